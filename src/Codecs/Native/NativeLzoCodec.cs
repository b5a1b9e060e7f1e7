using System.Runtime.InteropServices;

namespace Mecom.Codecs.Native;

/// <summary>
/// The C liblzo2's LZO1X-1, the general codec the MECOM paper used. No managed port exists, so this is
/// the only LZO row.
/// </summary>
public sealed unsafe class NativeLzoCodec : IPageCodec, IDisposable
{
    // LZO1X_1_MEM_COMPRESS = 16384 pointers; lzo1x_1_compress never checks its output bound, so it writes
    // into scratch of the documented worst case (n + n/16 + 64 + 3) and the result is copied if it shrank.
    private const int WorkMemory = 16384 * 8;
    private static readonly Lazy<string?> InitProblem = new(Init);

    private readonly delegate* unmanaged<byte*, nuint, byte*, nuint*, void*, int> compress;
    private readonly delegate* unmanaged<byte*, nuint, byte*, nuint*, void*, int> decompress;
    private void* work;
    private byte* scratch;

    public NativeLzoCodec()
    {
        string? problem = Unavailable;
        if (problem is not null)
        {
            throw new PlatformNotSupportedException(problem);
        }

        var lib = NativeLibraries.Lzo;
        compress = (delegate* unmanaged<byte*, nuint, byte*, nuint*, void*, int>)lib.Export("lzo1x_1_compress");
        decompress = (delegate* unmanaged<byte*, nuint, byte*, nuint*, void*, int>)lib.Export("lzo1x_decompress_safe");
        work = NativeMemory.AlignedAlloc(WorkMemory, 64);
        scratch = (byte*)NativeMemory.Alloc(ScratchBytes);
    }

    ~NativeLzoCodec() => Free();

    public static string? Unavailable => NativeLibraries.Lzo.Problem ?? InitProblem.Value;

    public string Name => "native-lzo1x";

    private static nuint ScratchBytes => PageCodec.MaxPageSize + PageCodec.MaxPageSize / 16 + 64 + 3;

    public int Compress(ReadOnlySpan<byte> page, Span<byte> destination)
    {
        if (page.Length > PageCodec.MaxPageSize)
        {
            throw new ArgumentException("page larger than the supported maximum", nameof(page));
        }

        nuint written = 0;
        fixed (byte* src = page)
        {
            if (compress(src, (nuint)page.Length, scratch, &written, work) != 0)
            {
                return PageCodec.DidNotFit;
            }
        }

        if (written >= (nuint)page.Length || written > (nuint)destination.Length)
        {
            return PageCodec.DidNotFit;
        }

        new ReadOnlySpan<byte>(scratch, (int)written).CopyTo(destination);
        return (int)written;
    }

    public void Decompress(ReadOnlySpan<byte> source, Span<byte> page)
    {
        nuint written = (nuint)page.Length;
        int result;
        fixed (byte* src = source)
        fixed (byte* dst = page)
        {
            result = decompress(src, (nuint)source.Length, dst, &written, null);
        }

        if (result != 0)
        {
            throw new CorruptPageException(Name, $"lzo1x_decompress_safe returned {result}"
                + (result == -5 ? " (output overrun)" : result == -4 ? " (input overrun)" : result == -6 ? " (lookbehind overrun)" : string.Empty));
        }

        if (written != (nuint)page.Length)
        {
            throw new CorruptPageException(Name, $"decoded {written} bytes, expected {page.Length}");
        }
    }

    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    private static string? Init()
    {
        var lib = NativeLibraries.Lzo;
        if (!lib.IsAvailable)
        {
            return lib.Problem;
        }

        // lzo_init(): the library checks its ABI against ours; -1 skips a size check.
        var init = (delegate* unmanaged<uint, int, int, int, int, int, int, int, int, int, int>)lib.Export("__lzo_init_v2");
        int result = init(0x20a0, -1, -1, -1, -1, -1, -1, -1, -1, -1);
        return result == 0 ? null : $"liblzo2 refused initialisation (lzo_init returned {result})";
    }

    private void Free()
    {
        if (work != null)
        {
            NativeMemory.AlignedFree(work);
            work = null;
        }

        if (scratch != null)
        {
            NativeMemory.Free(scratch);
            scratch = null;
        }
    }
}
