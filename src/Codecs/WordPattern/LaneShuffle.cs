using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Mecom.Codecs.WordPattern;

/// <summary>
/// Byte shuffles by table for 4-lane stream compaction (encoder) and expansion (decoder): a 4-bit mask
/// of selected 32-bit lanes indexes a 16-entry table of shuffle controls.
/// </summary>
internal static class LaneShuffle
{
    /// <summary>CompactWords[mask]: the 32-bit lanes whose bit is set, moved to the front in order.</summary>
    public static readonly Vector128<byte>[] CompactWords = Build(wordBytes: 4, compact: true);

    /// <summary>CompactBytes[mask]: byte 0 of each selected lane, moved to the front in order.</summary>
    public static readonly Vector128<byte>[] CompactBytes = Build(wordBytes: 1, compact: true);

    /// <summary>ExpandWords[mask]: lane j takes the next stream word when bit j is set, zero otherwise.</summary>
    public static readonly Vector128<byte>[] ExpandWords = Build(wordBytes: 4, compact: false);

    /// <summary>ExpandBytes[mask]: like <see cref="ExpandWords"/> for a stream of bytes widened into lanes.</summary>
    public static readonly Vector128<byte>[] ExpandBytes = Build(wordBytes: 1, compact: false);

    /// <summary>
    /// Table shuffle whose control bytes are 0..15 or 0x80 (zero): one instruction on SSSE3 (pshufb) and
    /// on Arm64 (tbl); the portable <see cref="Vector128.Shuffle(Vector128{byte}, Vector128{byte})"/> elsewhere.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> Shuffle(Vector128<byte> source, Vector128<byte> control)
    {
        if (Ssse3.IsSupported)
        {
            return Ssse3.Shuffle(source, control);
        }

        if (AdvSimd.Arm64.IsSupported)
        {
            return AdvSimd.Arm64.VectorTableLookup(source, control);
        }

        return Vector128.Shuffle(source, control);
    }

    private static Vector128<byte>[] Build(int wordBytes, bool compact)
    {
        var table = new Vector128<byte>[16];
        Span<byte> control = stackalloc byte[16];
        for (int mask = 0; mask < 16; mask++)
        {
            control.Fill(0x80);
            int next = 0;
            for (int lane = 0; lane < 4; lane++)
            {
                if ((mask >> lane & 1) == 0)
                {
                    continue;
                }

                for (int b = 0; b < wordBytes; b++)
                {
                    // Compaction reads lane j into slot next; expansion reads slot next into lane j.
                    if (compact)
                    {
                        control[next * wordBytes + b] = (byte)(4 * lane + b);
                    }
                    else
                    {
                        control[4 * lane + b] = (byte)(next * wordBytes + b);
                    }
                }

                next++;
            }

            table[mask] = Vector128.Create((ReadOnlySpan<byte>)control);
        }

        return table;
    }
}
