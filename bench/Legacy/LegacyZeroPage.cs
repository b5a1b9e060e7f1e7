using Mecom.Codecs.Pages;
using Mecom.Codecs.Simd;
using Mecom.Codecs.WordPattern;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Mecom.Bench.Legacy;

/// <summary>
/// Is a span all zero bytes? The check every migration runs on every page before anything else.
/// </summary>
/// <remarks>
/// One ladder, Vector512 -> Vector256 -> Vector128 -> scalar. Four vectors are OR-folded between tests:
/// the loads stay in flight together while the branch still leaves early on the first non-zero block.
/// Tails are covered by one overlapping last vector instead of a scalar loop.
/// </remarks>
public static class LegacyZeroPage
{
    /// <summary>True when every byte of <paramref name="data"/> is zero (also for an empty span).</summary>
    public static bool IsZero(ReadOnlySpan<byte> data)
    {
        // Most non-zero pages are non-zero at their very start or end (bench/ZeroDetectionBench: 1.7 ns
        // -> 0.5 ns on a real page, no cost measurable on an all-zero one), so look there before the scan.
        if (data.Length >= 16)
        {
            ref byte start = ref MemoryMarshal.GetReference(data);
            if ((Unsafe.ReadUnaligned<ulong>(ref start) | Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, data.Length - 8))) != 0)
            {
                return false;
            }
        }

        if (Vector512.IsHardwareAccelerated && data.Length >= Vector512<byte>.Count)
        {
            return IsZeroVector512(data);
        }

        if (Vector256.IsHardwareAccelerated && data.Length >= Vector256<byte>.Count)
        {
            return IsZeroVector256(data);
        }

        if (Vector128.IsHardwareAccelerated && data.Length >= Vector128<byte>.Count)
        {
            return IsZeroVector128(data);
        }

        return IsZeroScalar(data);
    }

    /// <summary>Runs one named tier, falling to the scalar twin for spans shorter than its vector.</summary>
    internal static bool IsZero(ReadOnlySpan<byte> data, SimdTier tier) => tier switch
    {
        SimdTier.Vector512 when data.Length >= Vector512<byte>.Count => IsZeroVector512(data),
        SimdTier.Vector256 when data.Length >= Vector256<byte>.Count => IsZeroVector256(data),
        SimdTier.Vector128 when data.Length >= Vector128<byte>.Count => IsZeroVector128(data),
        _ => IsZeroScalar(data),
    };

    /// <summary>
    /// QEMU's trick: look at the first, middle and last byte before scanning. Kept to measure against
    /// <see cref="IsZero(ReadOnlySpan{byte})"/>, which adopted its first-and-last part (bench/ZeroDetectionBench).
    /// </summary>
    internal static bool IsZeroSampled(ReadOnlySpan<byte> data) =>
        data.Length == 0 ||
        (data[0] == 0 && data[data.Length / 2] == 0 && data[^1] == 0 && IsZero(data));

    internal static bool IsZeroScalar(ReadOnlySpan<byte> data)
    {
        ref byte start = ref MemoryMarshal.GetReference(data);
        nuint length = (nuint)data.Length;
        nuint i = 0;
        for (; i + 32 <= length; i += 32)
        {
            ulong acc = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i))
                      | Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i + 8))
                      | Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i + 16))
                      | Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i + 24));
            if (acc != 0)
            {
                return false;
            }
        }

        for (; i + 8 <= length; i += 8)
        {
            if (Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i)) != 0)
            {
                return false;
            }
        }

        for (; i < length; i++)
        {
            if (Unsafe.Add(ref start, i) != 0)
            {
                return false;
            }
        }

        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static bool IsZeroVector128(ReadOnlySpan<byte> data)
    {
        const int W = 16;
        ref byte start = ref MemoryMarshal.GetReference(data);
        nuint length = (nuint)data.Length;
        nuint i = 0;
        for (; i + 4 * W <= length; i += 4 * W)
        {
            Vector128<byte> acc = Vector128.LoadUnsafe(ref start, i)
                                | Vector128.LoadUnsafe(ref start, i + W)
                                | Vector128.LoadUnsafe(ref start, i + 2 * W)
                                | Vector128.LoadUnsafe(ref start, i + 3 * W);
            if (acc != Vector128<byte>.Zero)
            {
                return false;
            }
        }

        for (; i + W <= length; i += W)
        {
            if (Vector128.LoadUnsafe(ref start, i) != Vector128<byte>.Zero)
            {
                return false;
            }
        }

        return i == length || Vector128.LoadUnsafe(ref start, length - W) == Vector128<byte>.Zero;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static bool IsZeroVector256(ReadOnlySpan<byte> data)
    {
        const int W = 32;
        ref byte start = ref MemoryMarshal.GetReference(data);
        nuint length = (nuint)data.Length;
        nuint i = 0;
        for (; i + 4 * W <= length; i += 4 * W)
        {
            Vector256<byte> acc = Vector256.LoadUnsafe(ref start, i)
                                | Vector256.LoadUnsafe(ref start, i + W)
                                | Vector256.LoadUnsafe(ref start, i + 2 * W)
                                | Vector256.LoadUnsafe(ref start, i + 3 * W);
            if (acc != Vector256<byte>.Zero)
            {
                return false;
            }
        }

        for (; i + W <= length; i += W)
        {
            if (Vector256.LoadUnsafe(ref start, i) != Vector256<byte>.Zero)
            {
                return false;
            }
        }

        return i == length || Vector256.LoadUnsafe(ref start, length - W) == Vector256<byte>.Zero;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static bool IsZeroVector512(ReadOnlySpan<byte> data)
    {
        const int W = 64;
        ref byte start = ref MemoryMarshal.GetReference(data);
        nuint length = (nuint)data.Length;
        nuint i = 0;
        for (; i + 4 * W <= length; i += 4 * W)
        {
            Vector512<byte> acc = Vector512.LoadUnsafe(ref start, i)
                                | Vector512.LoadUnsafe(ref start, i + W)
                                | Vector512.LoadUnsafe(ref start, i + 2 * W)
                                | Vector512.LoadUnsafe(ref start, i + 3 * W);
            if (acc != Vector512<byte>.Zero)
            {
                return false;
            }
        }

        for (; i + W <= length; i += W)
        {
            if (Vector512.LoadUnsafe(ref start, i) != Vector512<byte>.Zero)
            {
                return false;
            }
        }

        return i == length || Vector512.LoadUnsafe(ref start, length - W) == Vector512<byte>.Zero;
    }
}
