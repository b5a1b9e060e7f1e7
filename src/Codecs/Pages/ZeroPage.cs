using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Mecom.Codecs.Simd;

namespace Mecom.Codecs.Pages;

/// <summary>
/// Is a span all zero bytes? The check every migration runs on every page before anything else.
/// </summary>
/// <remarks>
/// One body for every width (<see cref="IVectorTier{TVector}"/>), picked widest first, and a scalar
/// twin. Four vectors are OR-folded between tests: the loads stay in flight together while the branch still leaves early on the first non-zero block.
/// Tails are covered by one overlapping last vector instead of a scalar loop.
/// </remarks>
public static class ZeroPage
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

        return IsZero(data, SimdTiers.Best);
    }

    /// <summary>Runs one named tier, falling to the scalar twin for spans shorter than its vector.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool IsZero(ReadOnlySpan<byte> data, SimdTier tier) => tier switch
    {
        SimdTier.Vector512 when data.Length >= Vector512<byte>.Count => IsZeroVector<Tier512, Vector512<byte>>(data),
        SimdTier.Vector256 when data.Length >= Vector256<byte>.Count => IsZeroVector<Tier256, Vector256<byte>>(data),
        SimdTier.Vector128 when data.Length >= Vector128<byte>.Count => IsZeroVector<Tier128, Vector128<byte>>(data),
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

    /// <summary>The vector body, once for every width; spans must hold at least one vector.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool IsZeroVector<TTier, TVector>(ReadOnlySpan<byte> data)
        where TTier : struct, IVectorTier<TVector>
        where TVector : struct
    {
        nuint w = (nuint)TTier.ByteCount;
        ref byte start = ref MemoryMarshal.GetReference(data);
        nuint length = (nuint)data.Length;
        nuint i = 0;
        for (; i + 4 * w <= length; i += 4 * w)
        {
            TVector acc = TTier.Or(
                TTier.Or(TTier.Load(ref start, i), TTier.Load(ref start, i + w)),
                TTier.Or(TTier.Load(ref start, i + 2 * w), TTier.Load(ref start, i + 3 * w)));
            if (!TTier.IsZero(acc))
            {
                return false;
            }
        }

        for (; i + w <= length; i += w)
        {
            if (!TTier.IsZero(TTier.Load(ref start, i)))
            {
                return false;
            }
        }

        return i == length || TTier.IsZero(TTier.Load(ref start, length - w));
    }
}
