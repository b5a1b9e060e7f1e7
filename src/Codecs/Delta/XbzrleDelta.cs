using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Mecom.Codecs.Simd;

namespace Mecom.Codecs.Delta;

/// <summary>
/// XBZRLE-style delta of a re-sent page against the copy both sides kept from its previous send.
/// </summary>
/// <remarks>
/// Format (as QEMU's docs/xbzrle.txt): alternating runs over the XOR of old and new page, a run of
/// unchanged bytes as its ULEB128 length, then a run of changed bytes as its ULEB128 length followed by
/// those new bytes; a trailing unchanged run is left out, so an unchanged page encodes to nothing. Only
/// the first unchanged run may be empty; no changed run may be. Finding run ends is the hot part and is
/// vectorized (compare old and new a vector at a time, first set bit of the mask), with a scalar twin.
/// </remarks>
public static class XbzrleDelta
{
    private const string Name = "xbzrle";

    /// <summary>
    /// Encodes <paramref name="current"/> against <paramref name="previous"/>. Returns the length, 0 for an
    /// unchanged page, or <see cref="PageCodec.DidNotFit"/> when the delta would not fit
    /// <paramref name="destination"/> (send the page the normal way then).
    /// </summary>
    public static int Encode(ReadOnlySpan<byte> previous, ReadOnlySpan<byte> current, Span<byte> destination) =>
        Encode(previous, current, destination, SimdTiers.Best);

    internal static int Encode(ReadOnlySpan<byte> previous, ReadOnlySpan<byte> current, Span<byte> destination, SimdTier tier)
    {
        if (previous.Length != current.Length)
        {
            throw new ArgumentException("old and new page differ in length");
        }

        int length = current.Length;
        int at = 0;
        int i = 0;
        while (i < length)
        {
            int unchanged = RunLength(previous[i..], current[i..], equal: true, tier);
            if (i + unchanged == length)
            {
                break; // a trailing unchanged run is not written
            }

            int changed = RunLength(previous[(i + unchanged)..], current[(i + unchanged)..], equal: false, tier);
            if (!TryWriteLeb(destination, ref at, (uint)unchanged) || !TryWriteLeb(destination, ref at, (uint)changed)
                || destination.Length - at < changed)
            {
                return PageCodec.DidNotFit;
            }

            current.Slice(i + unchanged, changed).CopyTo(destination[at..]);
            at += changed;
            i += unchanged + changed;
        }

        return at;
    }

    /// <summary>Applies a delta to <paramref name="page"/>, which holds the previous version on entry.</summary>
    /// <exception cref="CorruptPageException">Malformed runs, or runs that pass the page's end.</exception>
    public static void Decode(ReadOnlySpan<byte> delta, Span<byte> page)
    {
        int at = 0;
        int i = 0;
        bool first = true;
        while (at < delta.Length)
        {
            uint unchanged = ReadLeb(delta, ref at);
            if (unchanged == 0 && !first)
            {
                throw new CorruptPageException(Name, $"empty unchanged run at byte {at}");
            }

            uint changed = ReadLeb(delta, ref at);
            if (changed == 0)
            {
                throw new CorruptPageException(Name, $"empty changed run at byte {at}");
            }

            if ((ulong)i + unchanged + changed > (ulong)page.Length || (ulong)(delta.Length - at) < changed)
            {
                throw new CorruptPageException(Name, $"a run at byte {at} passes the end of the page or of the input");
            }

            i += (int)unchanged;
            delta.Slice(at, (int)changed).CopyTo(page[i..]);
            at += (int)changed;
            i += (int)changed;
            first = false;
        }
    }

    /// <summary>How many leading bytes are equal (<paramref name="equal"/>) or all different.</summary>
    internal static int RunLength(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, bool equal, SimdTier tier)
    {
        ref byte x = ref MemoryMarshal.GetReference(a);
        ref byte y = ref MemoryMarshal.GetReference(b);
        int length = a.Length;
        int i = 0;
        if (tier >= SimdTier.Vector256)
        {
            for (; i + 32 <= length; i += 32)
            {
                uint same = Vector256.Equals(Vector256.LoadUnsafe(ref x, (nuint)i), Vector256.LoadUnsafe(ref y, (nuint)i)).ExtractMostSignificantBits();
                uint stop = equal ? ~same : same;
                if (stop != 0)
                {
                    return i + BitOperations.TrailingZeroCount(stop);
                }
            }
        }

        if (tier >= SimdTier.Vector128)
        {
            for (; i + 16 <= length; i += 16)
            {
                uint same = Vector128.Equals(Vector128.LoadUnsafe(ref x, (nuint)i), Vector128.LoadUnsafe(ref y, (nuint)i)).ExtractMostSignificantBits();
                uint stop = (equal ? ~same : same) & 0xFFFF;
                if (stop != 0)
                {
                    return i + BitOperations.TrailingZeroCount(stop);
                }
            }
        }

        for (; i < length; i++)
        {
            if ((Unsafe.Add(ref x, i) == Unsafe.Add(ref y, i)) != equal)
            {
                return i;
            }
        }

        return length;
    }

    private static bool TryWriteLeb(Span<byte> destination, ref int at, uint value)
    {
        do
        {
            if (at >= destination.Length)
            {
                return false;
            }

            byte b = (byte)(value & 0x7F);
            value >>= 7;
            destination[at++] = value == 0 ? b : (byte)(b | 0x80);
        }
        while (value != 0);
        return true;
    }

    private static uint ReadLeb(ReadOnlySpan<byte> source, ref int at)
    {
        uint value = 0;
        for (int shift = 0; shift < 35; shift += 7)
        {
            if (at >= source.Length)
            {
                throw new CorruptPageException(Name, "truncated run length");
            }

            byte b = source[at++];
            value |= (uint)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }

        throw new CorruptPageException(Name, "run length longer than 5 bytes");
    }
}
