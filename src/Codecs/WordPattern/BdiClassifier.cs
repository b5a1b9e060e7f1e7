using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Mecom.Codecs.Pages;

namespace Mecom.Codecs.WordPattern;

/// <summary>The encoding of one 64-byte block: its id, the immediate lanes' mask and the base's bits.</summary>
internal readonly record struct BdiBlock(byte Id, uint Mask, ulong Base);

/// <summary>
/// Picks each block's BΔI encoding (<see cref="BdiFormat"/>). This is the codec's work: a block is a few
/// vectors, and a whole encoding is tested at once: sign-extend every lane's low bytes (shift left, shift
/// right arithmetic) and compare with the lane, take the first lane that failed as the base, subtract it
/// from every lane and test again. Nothing is sequential across lanes or blocks, unlike WKdm's dictionary.
/// One method per vector width and a scalar twin; all give the same answer by construction (the base is
/// always the first non-immediate lane), and the tests hold them to it.
/// </summary>
internal static class BdiClassifier
{
    public static BdiBlock Classify(ref byte block, SimdTier tier)
    {
        if (tier == SimdTier.Scalar)
        {
            return ClassifyScalar(ref block);
        }

        ulong first = Unsafe.ReadUnaligned<ulong>(ref block);
        bool zeros, repeated;
        if (tier >= SimdTier.Vector512)
        {
            Vector512<ulong> v = Vector512.LoadUnsafe(ref Unsafe.As<byte, ulong>(ref block));
            zeros = v == Vector512<ulong>.Zero;
            repeated = v == Vector512.Create(first);
        }
        else if (tier >= SimdTier.Vector256)
        {
            ref ulong words = ref Unsafe.As<byte, ulong>(ref block);
            Vector256<ulong> a = Vector256.LoadUnsafe(ref words), b = Vector256.LoadUnsafe(ref words, 4);
            zeros = (a | b) == Vector256<ulong>.Zero;
            Vector256<ulong> f = Vector256.Create(first);
            repeated = ((a ^ f) | (b ^ f)) == Vector256<ulong>.Zero;
        }
        else
        {
            ref ulong words = ref Unsafe.As<byte, ulong>(ref block);
            Vector128<ulong> a = Vector128.LoadUnsafe(ref words), b = Vector128.LoadUnsafe(ref words, 2);
            Vector128<ulong> c = Vector128.LoadUnsafe(ref words, 4), d = Vector128.LoadUnsafe(ref words, 6);
            zeros = (a | b | c | d) == Vector128<ulong>.Zero;
            Vector128<ulong> f = Vector128.Create(first);
            repeated = ((a ^ f) | (b ^ f) | (c ^ f) | (d ^ f)) == Vector128<ulong>.Zero;
        }

        if (zeros)
        {
            return new BdiBlock(BdiFormat.Zeros, 0, 0);
        }

        if (repeated)
        {
            return new BdiBlock(BdiFormat.Repeated, 0, first);
        }

        // A block that fits d-byte deltas also fits 2d-byte ones (the base can only move to a lane within
        // d bytes of the old one), so the widest delta of each lane width is tried first and, when it fails,
        // its narrower ones are skipped: noise costs three tries, not six. The answer is the scalar twin's,
        // which tries every encoding in the table's order.
        uint m;
        ulong bits;
        bool fits84 = Try<long>(ref block, 4, tier, out uint m84, out ulong b84);
        if (fits84 && Try<long>(ref block, 1, tier, out m, out bits))
        {
            return new BdiBlock(2, m, bits);
        }

        bool fits42 = Try<int>(ref block, 2, tier, out uint m42, out ulong b42);

        if (fits42 && Try<int>(ref block, 1, tier, out m, out bits))
        {
            return new BdiBlock(5, m, bits & 0xFFFF_FFFF);
        }

        if (fits84 && Try<long>(ref block, 2, tier, out m, out bits))
        {
            return new BdiBlock(3, m, bits);
        }

        if (fits42)
        {
            return new BdiBlock(6, m42, b42 & 0xFFFF_FFFF);
        }

        if (Try<short>(ref block, 1, tier, out m, out bits))
        {
            return new BdiBlock(7, m, bits & 0xFFFF);
        }

        return fits84 ? new BdiBlock(4, m84, b84) : new BdiBlock(BdiFormat.Raw, 0, 0);
    }

    /// <summary>
    /// Whether every lane is an immediate (fits <paramref name="deltaBytes"/> signed) or within that of the
    /// base. "v fits d bytes" is ((v + 2^(8d-1)) &amp; ~(2^(8d) - 1)) == 0: an add, an and and a compare,
    /// with no 64-bit arithmetic shift, which AVX2 lacks.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Try<T>(ref byte block, int deltaBytes, SimdTier tier, out uint mask, out ulong baseBits)
        where T : unmanaged, IBinaryInteger<T>, ISignedNumber<T>
    {
        T bias = T.CreateTruncating(1L << (8 * deltaBytes - 1));
        T high = T.CreateTruncating(~((1L << (8 * deltaBytes)) - 1));
        return tier >= SimdTier.Vector512 ? Try512(ref block, bias, high, out mask, out baseBits)
            : tier >= SimdTier.Vector256 ? Try256(ref block, bias, high, out mask, out baseBits)
            : Try128(ref block, bias, high, out mask, out baseBits);
    }

    private static bool Try512<T>(ref byte block, T bias, T high, out uint mask, out ulong baseBits)
        where T : unmanaged, IBinaryInteger<T>, ISignedNumber<T>
    {
        ref T lanes = ref Unsafe.As<byte, T>(ref block);
        Vector512<T> vb = Vector512.Create(bias), vh = Vector512.Create(high);
        Vector512<T> x = Vector512.LoadUnsafe(ref lanes);
        Vector512<T> immediate = Vector512.Equals((x + vb) & vh, Vector512<T>.Zero);
        mask = (uint)immediate.ExtractMostSignificantBits();
        T b = BaseOf(ref lanes, mask, Vector512<T>.Count);
        baseBits = ulong.CreateTruncating(b);
        Vector512<T> diff = x - Vector512.Create(b);
        return (Vector512.Equals((diff + vb) & vh, Vector512<T>.Zero) | immediate) == Vector512<T>.AllBitsSet;
    }

    private static bool Try256<T>(ref byte block, T bias, T high, out uint mask, out ulong baseBits)
        where T : unmanaged, IBinaryInteger<T>, ISignedNumber<T>
    {
        ref T lanes = ref Unsafe.As<byte, T>(ref block);
        int count = Vector256<T>.Count;
        Vector256<T> vb = Vector256.Create(bias), vh = Vector256.Create(high);
        Vector256<T> x0 = Vector256.LoadUnsafe(ref lanes), x1 = Vector256.LoadUnsafe(ref lanes, (nuint)count);
        Vector256<T> i0 = Vector256.Equals((x0 + vb) & vh, Vector256<T>.Zero), i1 = Vector256.Equals((x1 + vb) & vh, Vector256<T>.Zero);
        mask = i0.ExtractMostSignificantBits() | (i1.ExtractMostSignificantBits() << count);
        T b = BaseOf(ref lanes, mask, 2 * count);
        baseBits = ulong.CreateTruncating(b);
        Vector256<T> vbase = Vector256.Create(b);
        Vector256<T> d0 = x0 - vbase, d1 = x1 - vbase;
        return ((Vector256.Equals((d0 + vb) & vh, Vector256<T>.Zero) | i0) & (Vector256.Equals((d1 + vb) & vh, Vector256<T>.Zero) | i1)) == Vector256<T>.AllBitsSet;
    }

    private static bool Try128<T>(ref byte block, T bias, T high, out uint mask, out ulong baseBits)
        where T : unmanaged, IBinaryInteger<T>, ISignedNumber<T>
    {
        ref T lanes = ref Unsafe.As<byte, T>(ref block);
        int count = Vector128<T>.Count;
        Vector128<T> vb = Vector128.Create(bias), vh = Vector128.Create(high);
        mask = 0;
        for (int p = 0; p < 4; p++)
        {
            Vector128<T> x = Vector128.LoadUnsafe(ref lanes, (nuint)(p * count));
            mask |= Vector128.Equals((x + vb) & vh, Vector128<T>.Zero).ExtractMostSignificantBits() << (p * count);
        }

        T b = BaseOf(ref lanes, mask, 4 * count);
        baseBits = ulong.CreateTruncating(b);
        Vector128<T> vbase = Vector128.Create(b);
        uint part = (1u << count) - 1;
        bool fits = true;
        for (int p = 0; p < 4; p++)
        {
            // Immediate lanes need not fit as deltas: their mask bits count as fitting.
            Vector128<T> diff = Vector128.LoadUnsafe(ref lanes, (nuint)(p * count)) - vbase;
            uint ok = Vector128.Equals((diff + vb) & vh, Vector128<T>.Zero).ExtractMostSignificantBits() | (mask >> (p * count));
            fits &= (ok & part) == part;
        }

        return fits;
    }

    /// <summary>The first lane that is not an immediate; zero when every lane is one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T BaseOf<T>(ref T lanes, uint immediates, int count)
        where T : unmanaged, IBinaryInteger<T>
    {
        uint others = ~immediates & (count == 32 ? uint.MaxValue : (1u << count) - 1);
        return others == 0 ? T.Zero : Unsafe.Add(ref lanes, BitOperations.TrailingZeroCount(others));
    }

    /// <summary>The scalar twin: the same rules, one lane at a time.</summary>
    private static BdiBlock ClassifyScalar(ref byte block)
    {
        ulong first = Unsafe.ReadUnaligned<ulong>(ref block);
        bool zeros = true, repeated = true;
        for (int i = 0; i < 8; i++)
        {
            ulong w = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref block, 8 * i));
            zeros &= w == 0;
            repeated &= w == first;
        }

        if (zeros)
        {
            return new BdiBlock(BdiFormat.Zeros, 0, 0);
        }

        if (repeated)
        {
            return new BdiBlock(BdiFormat.Repeated, 0, first);
        }

        ReadOnlySpan<byte> laneBytes = BdiFormat.LaneBytes;
        ReadOnlySpan<byte> deltas = BdiFormat.DeltaBytes;
        for (int i = 0; i < laneBytes.Length; i++)
        {
            int k = laneBytes[i], d = deltas[i], count = BdiFormat.BlockBytes / k;
            uint mask = 0;
            for (int lane = 0; lane < count; lane++)
            {
                if (FitsIn(Lane(ref block, lane, k), d))
                {
                    mask |= 1u << lane;
                }
            }

            uint others = ~mask & (count == 32 ? uint.MaxValue : (1u << count) - 1);
            long baseValue = others == 0 ? 0 : Lane(ref block, BitOperations.TrailingZeroCount(others), k);
            bool fits = true;
            for (int lane = 0; lane < count && fits; lane++)
            {
                fits = (mask >> lane & 1) != 0 || FitsIn(Wrap(Lane(ref block, lane, k) - baseValue, k), d);
            }

            if (fits)
            {
                return new BdiBlock(BdiFormat.Ids[i], mask, (ulong)baseValue & LaneMask(k));
            }
        }

        return new BdiBlock(BdiFormat.Raw, 0, 0);
    }

    /// <summary>Lane <paramref name="lane"/> of <paramref name="k"/> bytes, sign-extended.</summary>
    internal static long Lane(ref byte block, int lane, int k) => k switch
    {
        8 => Unsafe.ReadUnaligned<long>(ref Unsafe.Add(ref block, 8 * lane)),
        4 => Unsafe.ReadUnaligned<int>(ref Unsafe.Add(ref block, 4 * lane)),
        _ => Unsafe.ReadUnaligned<short>(ref Unsafe.Add(ref block, 2 * lane)),
    };

    /// <summary>A value reduced to <paramref name="k"/> bytes, sign-extended (the lanes' wrapping arithmetic).</summary>
    internal static long Wrap(long value, int k) => value << (64 - 8 * k) >> (64 - 8 * k);

    private static ulong LaneMask(int k) => k == 8 ? ulong.MaxValue : (1UL << (8 * k)) - 1;

    private static bool FitsIn(long value, int d) => Wrap(value, d) == value;
}
