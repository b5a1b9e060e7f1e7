using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;
using Mecom.Codecs.Pages;

namespace Mecom.Bench;

/// <summary>
/// Out of cache: the zero check over 256 MiB of zeros against a plain vectorized read of the same bytes
/// (OR-reduce everything, no early exit): the memory bandwidth ceiling a zero check can reach.
/// </summary>
public class LargeBufferBench
{
    private byte[] buffer = [];

    [GlobalSetup]
    public void Setup()
    {
        buffer = GC.AllocateArray<byte>(256 << 20, pinned: true);
        // Touch every page so first-touch faults are not measured.
        buffer.AsSpan().Clear();
    }

    [Benchmark(Baseline = true)]
    public bool PlainVectorRead()
    {
        ref byte start = ref MemoryMarshal.GetArrayDataReference(buffer);
        Vector256<byte> acc = Vector256<byte>.Zero;
        for (nuint i = 0; i < (nuint)buffer.Length; i += 128)
        {
            acc |= Vector256.LoadUnsafe(ref start, i) | Vector256.LoadUnsafe(ref start, i + 32)
                 | Vector256.LoadUnsafe(ref start, i + 64) | Vector256.LoadUnsafe(ref start, i + 96);
        }

        return acc == Vector256<byte>.Zero;
    }

    [Benchmark]
    public bool ZeroCheck() => ZeroPage.IsZero(buffer);

    [Benchmark]
    public bool ZeroCheckPerPage()
    {
        bool all = true;
        for (int p = 0; p < buffer.Length; p += 4096)
        {
            all &= ZeroPage.IsZero(buffer.AsSpan(p, 4096));
        }

        return all;
    }
}
