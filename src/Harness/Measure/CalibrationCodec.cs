using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Mecom.Codecs;

namespace Mecom.Harness.Measure;

/// <summary>
/// The gate's compute reference: a fixed scalar workload per page (hash lanes probing a table over its
/// 64-bit words, which no compiler can vectorise or shorten), measured in the same passes as the codecs.
/// memcpy tracks memory speed; this tracks how fast the cores run, so a slow spell of the machine that
/// slows every compute-bound codec shows here too. It copies the page, so it round-trips like memcpy.
/// </summary>
public sealed class CalibrationCodec : IPageCodec
{
    public const string CodecName = "calibration";

    private ulong sink;

    public string Name => CodecName;

    /// <summary>The reference rows (memcpy, calibration): measured with the codecs, never compared as codecs.</summary>
    public static bool IsReference(string codec) => codec is MemcpyCodec.CodecName or CodecName;

    public int Compress(ReadOnlySpan<byte> page, Span<byte> destination)
    {
        sink ^= Mix(page);
        page.CopyTo(destination);
        return page.Length;
    }

    public void Decompress(ReadOnlySpan<byte> source, Span<byte> page)
    {
        sink ^= Mix(source);
        source.CopyTo(page);
    }

    /// <summary>
    /// LZ-like work without being a codec: four independent hash lanes (so it is bound by throughput, as the
    /// codecs are, not by one multiply's latency), each probing and updating a 16 KiB table as a match
    /// finder does. Fixed forever: changing it would move every baseline's reference.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ulong Mix(ReadOnlySpan<byte> page)
    {
        Span<uint> table = stackalloc uint[4096];
        table.Clear();
        ReadOnlySpan<ulong> words = MemoryMarshal.Cast<byte, ulong>(page);
        ulong a = 0x9E3779B97F4A7C15UL, b = 0xC2B2AE3D27D4EB4FUL, c = 0x165667B19E3779F9UL, d = 0x27D4EB2F165667C5UL;
        for (int i = 0; i + 3 < words.Length; i += 4)
        {
            a = Step(a, words[i], table, (uint)i);
            b = Step(b, words[i + 1], table, (uint)i + 1);
            c = Step(c, words[i + 2], table, (uint)i + 2);
            d = Step(d, words[i + 3], table, (uint)i + 3);
        }

        return a ^ b ^ c ^ d;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Step(ulong h, ulong word, Span<uint> table, uint position)
    {
        h = (h ^ word) * 0xFF51AFD7ED558CCDUL;
        int slot = (int)(h >> 52);
        h ^= table[slot];
        table[slot] = position;
        return h ^ (h >> 29);
    }
}
