using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Mecom.Codecs.Simd;

namespace Mecom.Codecs.Pages;

/// <summary>
/// Is a page one 64-bit value repeated (zero included)? Such a page travels as 8 bytes.
/// </summary>
/// <remarks>
/// zram compares the first word with the last before scanning: a page that differs anywhere usually
/// differs at its end too, so most non-filled pages leave after two loads. The scan then XORs each
/// vector with the broadcast value and OR-folds four of them per test, as <see cref="ZeroPage"/> does.
/// </remarks>
public static class SameFilledPage
{
    /// <summary>
    /// True when <paramref name="page"/> repeats one little-endian 64-bit <paramref name="value"/>.
    /// The length must be a positive multiple of 8.
    /// </summary>
    public static bool TryGetFillValue(ReadOnlySpan<byte> page, out ulong value) =>
        TryGetFillValue(page, SimdTiers.Best, out value);

    /// <summary>Runs one named tier (scalar for spans shorter than its vector).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool TryGetFillValue(ReadOnlySpan<byte> page, SimdTier tier, out ulong value)
    {
        CheckLength(page.Length);
        return tier switch
        {
            SimdTier.Vector512 when page.Length >= Vector512<byte>.Count => VectorPath<Tier512, Vector512<byte>>(page, out value),
            SimdTier.Vector256 when page.Length >= Vector256<byte>.Count => VectorPath<Tier256, Vector256<byte>>(page, out value),
            SimdTier.Vector128 when page.Length >= Vector128<byte>.Count => VectorPath<Tier128, Vector128<byte>>(page, out value),
            _ => ScalarPath(page, out value),
        };
    }

    /// <summary>Writes <paramref name="value"/> over the whole page (the decoder's side).</summary>
    public static void Fill(Span<byte> page, ulong value)
    {
        CheckLength(page.Length);
        MemoryMarshal.Cast<byte, ulong>(page).Fill(BitConverter.IsLittleEndian ? value : BinaryPrimitives.ReverseEndianness(value));
    }

    private static void CheckLength(int length)
    {
        if (length <= 0 || (length & 7) != 0)
        {
            throw new ArgumentException($"a page must be a positive multiple of 8 bytes, got {length}", "page");
        }
    }

    internal static bool ScalarPath(ReadOnlySpan<byte> page, out ulong value)
    {
        ReadOnlySpan<ulong> words = MemoryMarshal.Cast<byte, ulong>(page);
        ulong first = words[0];
        value = BitConverter.IsLittleEndian ? first : BinaryPrimitives.ReverseEndianness(first);
        if (words[^1] != first)
        {
            return false;
        }

        for (int i = 1; i < words.Length - 1; i++)
        {
            if (words[i] != first)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The vector body, once for every width; the page must hold at least one vector.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool VectorPath<TTier, TVector>(ReadOnlySpan<byte> page, out ulong value)
        where TTier : struct, IVectorTier<TVector>
        where TVector : struct
    {
        nuint w = (nuint)TTier.ByteCount;
        ref byte start = ref MemoryMarshal.GetReference(page);
        nuint length = (nuint)page.Length;
        ulong first = Unsafe.ReadUnaligned<ulong>(ref start);
        value = BitConverter.IsLittleEndian ? first : BinaryPrimitives.ReverseEndianness(first);
        if (Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, length - 8)) != first)
        {
            return false;
        }

        TVector fill = TTier.Create(first);
        nuint i = 0;
        for (; i + 4 * w <= length; i += 4 * w)
        {
            TVector diff = TTier.Or(
                TTier.Or(TTier.Xor(TTier.Load(ref start, i), fill), TTier.Xor(TTier.Load(ref start, i + w), fill)),
                TTier.Or(TTier.Xor(TTier.Load(ref start, i + 2 * w), fill), TTier.Xor(TTier.Load(ref start, i + 3 * w), fill)));
            if (!TTier.IsZero(diff))
            {
                return false;
            }
        }

        for (; i + w <= length; i += w)
        {
            if (!TTier.IsZero(TTier.Xor(TTier.Load(ref start, i), fill)))
            {
                return false;
            }
        }

        // length and the width are multiples of 8, so the overlapping last vector stays in phase with the fill.
        return i == length || TTier.IsZero(TTier.Xor(TTier.Load(ref start, length - w), fill));
    }
}
