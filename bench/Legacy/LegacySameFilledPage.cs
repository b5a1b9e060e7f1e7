using Mecom.Codecs.Pages;
using Mecom.Codecs.Simd;
using Mecom.Codecs.WordPattern;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Mecom.Bench.Legacy;

/// <summary>
/// Is a page one 64-bit value repeated (zero included)? Such a page travels as 8 bytes.
/// </summary>
/// <remarks>
/// zram compares the first word with the last before scanning: a page that differs anywhere usually
/// differs at its end too, so most non-filled pages leave after two loads. The scan then XORs each
/// vector with the broadcast value and OR-folds four of them per test, as <see cref="ZeroPage"/> does.
/// </remarks>
public static class LegacySameFilledPage
{
    /// <summary>
    /// True when <paramref name="page"/> repeats one little-endian 64-bit <paramref name="value"/>.
    /// The length must be a positive multiple of 8.
    /// </summary>
    public static bool TryGetFillValue(ReadOnlySpan<byte> page, out ulong value)
    {
        CheckLength(page.Length);
        if (Vector512.IsHardwareAccelerated && page.Length >= Vector512<byte>.Count)
        {
            return Vector512Path(page, out value);
        }

        if (Vector256.IsHardwareAccelerated && page.Length >= Vector256<byte>.Count)
        {
            return Vector256Path(page, out value);
        }

        if (Vector128.IsHardwareAccelerated && page.Length >= Vector128<byte>.Count)
        {
            return Vector128Path(page, out value);
        }

        return ScalarPath(page, out value);
    }

    /// <summary>Runs one named tier (scalar for spans shorter than its vector).</summary>
    internal static bool TryGetFillValue(ReadOnlySpan<byte> page, SimdTier tier, out ulong value)
    {
        CheckLength(page.Length);
        return tier switch
        {
            SimdTier.Vector512 when page.Length >= Vector512<byte>.Count => Vector512Path(page, out value),
            SimdTier.Vector256 when page.Length >= Vector256<byte>.Count => Vector256Path(page, out value),
            SimdTier.Vector128 when page.Length >= Vector128<byte>.Count => Vector128Path(page, out value),
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static bool Vector128Path(ReadOnlySpan<byte> page, out ulong value)
    {
        const int W = 16;
        ref byte start = ref MemoryMarshal.GetReference(page);
        nuint length = (nuint)page.Length;
        ulong first = Unsafe.ReadUnaligned<ulong>(ref start);
        value = BitConverter.IsLittleEndian ? first : BinaryPrimitives.ReverseEndianness(first);
        if (Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, length - 8)) != first)
        {
            return false;
        }

        Vector128<byte> fill = Vector128.Create(first).AsByte();
        nuint i = 0;
        for (; i + 4 * W <= length; i += 4 * W)
        {
            Vector128<byte> diff = (Vector128.LoadUnsafe(ref start, i) ^ fill)
                                 | (Vector128.LoadUnsafe(ref start, i + W) ^ fill)
                                 | (Vector128.LoadUnsafe(ref start, i + 2 * W) ^ fill)
                                 | (Vector128.LoadUnsafe(ref start, i + 3 * W) ^ fill);
            if (diff != Vector128<byte>.Zero)
            {
                return false;
            }
        }

        for (; i + W <= length; i += W)
        {
            if (Vector128.LoadUnsafe(ref start, i) != fill)
            {
                return false;
            }
        }

        // length and W are multiples of 8, so the overlapping last vector stays in phase with the fill.
        return i == length || Vector128.LoadUnsafe(ref start, length - W) == fill;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static bool Vector256Path(ReadOnlySpan<byte> page, out ulong value)
    {
        const int W = 32;
        ref byte start = ref MemoryMarshal.GetReference(page);
        nuint length = (nuint)page.Length;
        ulong first = Unsafe.ReadUnaligned<ulong>(ref start);
        value = BitConverter.IsLittleEndian ? first : BinaryPrimitives.ReverseEndianness(first);
        if (Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, length - 8)) != first)
        {
            return false;
        }

        Vector256<byte> fill = Vector256.Create(first).AsByte();
        nuint i = 0;
        for (; i + 4 * W <= length; i += 4 * W)
        {
            Vector256<byte> diff = (Vector256.LoadUnsafe(ref start, i) ^ fill)
                                 | (Vector256.LoadUnsafe(ref start, i + W) ^ fill)
                                 | (Vector256.LoadUnsafe(ref start, i + 2 * W) ^ fill)
                                 | (Vector256.LoadUnsafe(ref start, i + 3 * W) ^ fill);
            if (diff != Vector256<byte>.Zero)
            {
                return false;
            }
        }

        for (; i + W <= length; i += W)
        {
            if (Vector256.LoadUnsafe(ref start, i) != fill)
            {
                return false;
            }
        }

        return i == length || Vector256.LoadUnsafe(ref start, length - W) == fill;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static bool Vector512Path(ReadOnlySpan<byte> page, out ulong value)
    {
        const int W = 64;
        ref byte start = ref MemoryMarshal.GetReference(page);
        nuint length = (nuint)page.Length;
        ulong first = Unsafe.ReadUnaligned<ulong>(ref start);
        value = BitConverter.IsLittleEndian ? first : BinaryPrimitives.ReverseEndianness(first);
        if (Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, length - 8)) != first)
        {
            return false;
        }

        Vector512<byte> fill = Vector512.Create(first).AsByte();
        nuint i = 0;
        for (; i + 4 * W <= length; i += 4 * W)
        {
            Vector512<byte> diff = (Vector512.LoadUnsafe(ref start, i) ^ fill)
                                 | (Vector512.LoadUnsafe(ref start, i + W) ^ fill)
                                 | (Vector512.LoadUnsafe(ref start, i + 2 * W) ^ fill)
                                 | (Vector512.LoadUnsafe(ref start, i + 3 * W) ^ fill);
            if (diff != Vector512<byte>.Zero)
            {
                return false;
            }
        }

        for (; i + W <= length; i += W)
        {
            if (Vector512.LoadUnsafe(ref start, i) != fill)
            {
                return false;
            }
        }

        return i == length || Vector512.LoadUnsafe(ref start, length - W) == fill;
    }
}
