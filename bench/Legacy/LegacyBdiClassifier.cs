using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Mecom.Codecs.Pages;
using Mecom.Codecs.Simd;
using Mecom.Codecs.WordPattern;

namespace Mecom.Bench.Legacy;

/// <summary>The encoding of one 64-byte block: its id, the immediate lanes' mask and the base's bits.</summary>
internal readonly record struct LegacyBdiBlock(byte Id, uint Mask, ulong Base);

/// <summary>
/// Picks each block's BΔI encoding (<see cref="BdiFormat"/>). This is the codec's work: a block is a few
/// vectors, and a whole encoding is tested at once: test whether every lane fits the delta width as an
/// immediate, take the first lane that does not as the base, subtract it from every lane and test again. Nothing is sequential across lanes or blocks, unlike WKdm's dictionary.
/// One method per vector width and a scalar twin; all give the same answer by construction (the base is
/// always the first non-immediate lane), and the tests hold them to it.
/// </summary>
internal static class LegacyBdiClassifier
{
    /// <summary>The scalar twin's classification of one block; it packs afterwards (<c>BdiCodec.Pack</c>).</summary>
    public static LegacyBdiBlock Classify(ref byte block) => ClassifyScalar(ref block);

    /// <summary>
    /// Chooses and packs <paramref name="count"/> blocks into <paramref name="to"/> (the encodings' nibbles
    /// first, then the payloads, as <see cref="BdiFormat"/> lays them out); the size, or -1 as soon as it
    /// passes <paramref name="limit"/>. Writes may run 64 bytes past the size.
    /// </summary>
    /// <remarks>
    /// The tier is chosen once per page and the block loop is compiled once per tier with the whole decision
    /// inlined into it: chosen per block, the decision for all three tiers sat in one method, and the JIT
    /// (10.0.12) ran out of inlining budget and called each encoding test, at 0.6x of WKdm's speed.
    /// </remarks>
    public static int ClassifyAndPackPage(ref byte page, int count, ref byte to, int limit, SimdTier tier) => tier switch
    {
        SimdTier.Scalar => throw new ArgumentException("the scalar twin classifies a page, then packs it (BdiCodec.Pack)", nameof(tier)),
        SimdTier.Vector128 => EncodePage<Tier128>(ref page, count, ref to, limit),
        SimdTier.Vector256 => EncodePage<Tier256>(ref page, count, ref to, limit),
        _ => EncodePage<Tier512>(ref page, count, ref to, limit),
    };

    private static int EncodePage<TTier>(ref byte page, int count, ref byte to, int limit)
        where TTier : struct, IBdiTier
    {
        ReadOnlySpan<byte> payload = BdiFormat.PayloadBytes;
        int at = count / 2;
        for (int i = 0; i < count; i++)
        {
            LegacyBdiBlock block = Encode<TTier>(ref Unsafe.Add(ref page, i * BdiFormat.BlockBytes), ref Unsafe.Add(ref to, at));
            at += payload[block.Id];
            ref byte nibbles = ref Unsafe.Add(ref to, i / 2);
            nibbles = (i & 1) == 0 ? block.Id : (byte)(nibbles | block.Id << 4);
            if (at > limit)
            {
                return -1;
            }
        }

        return at;
    }

    /// <summary>
    /// One compiled copy per tier (the struct type argument), so each tier's tests inline into the
    /// decision below instead of being calls: the decision is written once, the vector code once per width.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static LegacyBdiBlock Encode<TTier>(ref byte block, ref byte to)
        where TTier : struct, IBdiTier
    {
        ulong first = Unsafe.ReadUnaligned<ulong>(ref block);
        if (TTier.AllEqual(ref block, 0))
        {
            return new LegacyBdiBlock(BdiFormat.Zeros, 0, 0);
        }

        if (TTier.AllEqual(ref block, first))
        {
            Unsafe.WriteUnaligned(ref to, first);
            return new LegacyBdiBlock(BdiFormat.Repeated, 0, first);
        }

        // A block that fits d-byte deltas also fits 2d-byte ones (the base can only move to a lane within
        // d bytes of the old one), so the widest delta of each lane width is tried first and, when it fails,
        // its narrower ones are skipped: noise costs three tries, not six. The answer is the scalar twin's,
        // which tries every encoding in the table's order.
        uint m;
        ulong bits;
        bool fits84 = Try<TTier, long>(ref block, 4, out uint m84, out ulong b84, ref to);
        if (fits84 && Try<TTier, long>(ref block, 1, out m, out bits, ref to))
        {
            return new LegacyBdiBlock(2, m, bits);
        }

        bool fits42 = Try<TTier, int>(ref block, 2, out uint m42, out ulong b42, ref to);
        if (fits42 && Try<TTier, int>(ref block, 1, out m, out bits, ref to))
        {
            return new LegacyBdiBlock(5, m, bits & 0xFFFF_FFFF);
        }

        if (fits84 && Try<TTier, long>(ref block, 2, out m, out bits, ref to))
        {
            return new LegacyBdiBlock(3, m, bits);
        }

        if (fits42)
        {
            return new LegacyBdiBlock(6, m42, b42 & 0xFFFF_FFFF);
        }

        if (Try<TTier, short>(ref block, 1, out m, out bits, ref to))
        {
            return new LegacyBdiBlock(7, m, bits & 0xFFFF);
        }

        if (fits84)
        {
            return new LegacyBdiBlock(4, m84, b84);
        }

        Unsafe.CopyBlockUnaligned(ref to, ref block, BdiFormat.BlockBytes);
        return new LegacyBdiBlock(BdiFormat.Raw, 0, 0);
    }

    /// <summary>
    /// Whether every lane is an immediate (fits <paramref name="deltaBytes"/> signed) or within that of the
    /// base. "v fits d bytes" is ((v + 2^(8d-1)) &amp; ~(2^(8d) - 1)) == 0: an add, an and and a compare,
    /// with no 64-bit arithmetic shift, which AVX2 lacks.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Try<TTier, T>(ref byte block, int deltaBytes, out uint mask, out ulong baseBits, ref byte to)
        where TTier : struct, IBdiTier
        where T : unmanaged, IBinaryInteger<T>, ISignedNumber<T>
    {
        T bias = T.CreateTruncating(1L << (8 * deltaBytes - 1));
        T high = T.CreateTruncating(~((1L << (8 * deltaBytes)) - 1));
        int k = Unsafe.SizeOf<T>();
        int id = k == 8 ? (deltaBytes == 1 ? 2 : deltaBytes == 2 ? 3 : 4) : k == 4 ? (deltaBytes == 1 ? 5 : 6) : 7;
        int maskBytes = BdiFormat.BlockBytes / k / 8;
        bool fits = TTier.Try(ref block, bias, high, out mask, out baseBits, ref Unsafe.Add(ref to, k + maskBytes), PackControls[id], 16 / k * deltaBytes);
        if (fits)
        {
            // Exact widths: the lanes are already stored right after.
            Unsafe.WriteUnaligned(ref to, T.CreateTruncating(baseBits));
            switch (maskBytes)
            {
                case 1: Unsafe.Add(ref to, k) = (byte)mask; break;
                case 2: Unsafe.WriteUnaligned(ref Unsafe.Add(ref to, k), (ushort)mask); break;
                default: Unsafe.WriteUnaligned(ref Unsafe.Add(ref to, k), mask); break;
            }
        }

        return fits;
    }

    /// <summary>One vector width's two operations on a 64-byte block.</summary>
    private interface IBdiTier
    {
        /// <summary>Every 8-byte word of the block equals <paramref name="value"/>.</summary>
        static abstract bool AllEqual(ref byte block, ulong value);

        /// <summary>The encoding test for lanes of <typeparamref name="T"/>: immediates, base, deltas.</summary>
        /// When it fits, each 16-byte chunk's stored values (the lane for
        /// an immediate, the lane minus the base otherwise) are gathered by <paramref name="control"/> and
        /// stored <paramref name="step"/> bytes apart from <paramref name="lanes"/>.
        static abstract bool Try<T>(ref byte block, T bias, T high, out uint mask, out ulong baseBits, ref byte lanes, Vector128<byte> control, int step)
            where T : unmanaged, IBinaryInteger<T>, ISignedNumber<T>;
    }

    private readonly struct Tier512 : IBdiTier
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static bool AllEqual(ref byte block, ulong value) =>
            Vector512.LoadUnsafe(ref Unsafe.As<byte, ulong>(ref block)) == Vector512.Create(value);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static bool Try<T>(ref byte block, T bias, T high, out uint mask, out ulong baseBits, ref byte to, Vector128<byte> control, int step)
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
            bool fits = (Vector512.Equals((diff + vb) & vh, Vector512<T>.Zero) | immediate) == Vector512<T>.AllBitsSet;
            if (fits)
            {
                Vector512<byte> stored = Vector512.ConditionalSelect(immediate, x, diff).AsByte();
                Store(stored.GetLower().GetLower(), stored.GetLower().GetUpper(), stored.GetUpper().GetLower(), stored.GetUpper().GetUpper(), ref to, control, step);
            }

            return fits;
        }
    }

    private readonly struct Tier256 : IBdiTier
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static bool AllEqual(ref byte block, ulong value)
        {
            ref ulong words = ref Unsafe.As<byte, ulong>(ref block);
            Vector256<ulong> v = Vector256.Create(value);
            return ((Vector256.LoadUnsafe(ref words) ^ v) | (Vector256.LoadUnsafe(ref words, 4) ^ v)) == Vector256<ulong>.Zero;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static bool Try<T>(ref byte block, T bias, T high, out uint mask, out ulong baseBits, ref byte to, Vector128<byte> control, int step)
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
            bool fits = ((Vector256.Equals((d0 + vb) & vh, Vector256<T>.Zero) | i0) & (Vector256.Equals((d1 + vb) & vh, Vector256<T>.Zero) | i1)) == Vector256<T>.AllBitsSet;
            if (fits)
            {
                Vector256<byte> s0 = Vector256.ConditionalSelect(i0, x0, d0).AsByte(), s1 = Vector256.ConditionalSelect(i1, x1, d1).AsByte();
                Store(s0.GetLower(), s0.GetUpper(), s1.GetLower(), s1.GetUpper(), ref to, control, step);
            }

            return fits;
        }
    }

    private readonly struct Tier128 : IBdiTier
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static bool AllEqual(ref byte block, ulong value)
        {
            ref ulong words = ref Unsafe.As<byte, ulong>(ref block);
            Vector128<ulong> v = Vector128.Create(value);
            return ((Vector128.LoadUnsafe(ref words) ^ v) | (Vector128.LoadUnsafe(ref words, 2) ^ v)
                    | (Vector128.LoadUnsafe(ref words, 4) ^ v) | (Vector128.LoadUnsafe(ref words, 6) ^ v)) == Vector128<ulong>.Zero;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static bool Try<T>(ref byte block, T bias, T high, out uint mask, out ulong baseBits, ref byte to, Vector128<byte> control, int step)
            where T : unmanaged, IBinaryInteger<T>, ISignedNumber<T>
        {
            ref T lanes = ref Unsafe.As<byte, T>(ref block);
            int count = Vector128<T>.Count;
            Vector128<T> vb = Vector128.Create(bias), vh = Vector128.Create(high);
            Vector128<T> x0 = Vector128.LoadUnsafe(ref lanes), x1 = Vector128.LoadUnsafe(ref lanes, (nuint)count);
            Vector128<T> x2 = Vector128.LoadUnsafe(ref lanes, (nuint)(2 * count)), x3 = Vector128.LoadUnsafe(ref lanes, (nuint)(3 * count));
            Vector128<T> i0 = Vector128.Equals((x0 + vb) & vh, Vector128<T>.Zero), i1 = Vector128.Equals((x1 + vb) & vh, Vector128<T>.Zero);
            Vector128<T> i2 = Vector128.Equals((x2 + vb) & vh, Vector128<T>.Zero), i3 = Vector128.Equals((x3 + vb) & vh, Vector128<T>.Zero);
            mask = i0.ExtractMostSignificantBits() | (i1.ExtractMostSignificantBits() << count)
                | (i2.ExtractMostSignificantBits() << (2 * count)) | (i3.ExtractMostSignificantBits() << (3 * count));
            T b = BaseOf(ref lanes, mask, 4 * count);
            baseBits = ulong.CreateTruncating(b);
            Vector128<T> vbase = Vector128.Create(b);
            Vector128<T> d0 = x0 - vbase, d1 = x1 - vbase, d2 = x2 - vbase, d3 = x3 - vbase;

            // Immediate lanes need not fit as deltas: their own test result counts as fitting.
            bool fits = ((Vector128.Equals((d0 + vb) & vh, Vector128<T>.Zero) | i0) & (Vector128.Equals((d1 + vb) & vh, Vector128<T>.Zero) | i1)
                    & (Vector128.Equals((d2 + vb) & vh, Vector128<T>.Zero) | i2) & (Vector128.Equals((d3 + vb) & vh, Vector128<T>.Zero) | i3))
                   == Vector128<T>.AllBitsSet;
            if (fits)
            {
                Store(Vector128.ConditionalSelect(i0, x0, d0).AsByte(), Vector128.ConditionalSelect(i1, x1, d1).AsByte(),
                    Vector128.ConditionalSelect(i2, x2, d2).AsByte(), Vector128.ConditionalSelect(i3, x3, d3).AsByte(), ref to, control, step);
            }

            return fits;
        }
    }

    /// <summary>The four 16-byte chunks of a block's stored values, each gathered by one byte shuffle.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector128<byte> c0, Vector128<byte> c1, Vector128<byte> c2, Vector128<byte> c3, ref byte to, Vector128<byte> control, int step)
    {
        LaneShuffle.Shuffle(c0, control).StoreUnsafe(ref to);
        LaneShuffle.Shuffle(c1, control).StoreUnsafe(ref Unsafe.Add(ref to, step));
        LaneShuffle.Shuffle(c2, control).StoreUnsafe(ref Unsafe.Add(ref to, 2 * step));
        LaneShuffle.Shuffle(c3, control).StoreUnsafe(ref Unsafe.Add(ref to, 3 * step));
    }

    /// <summary>
    /// Per encoding id, the byte shuffle that moves the low d bytes of each k-byte lane of a 16-byte chunk
    /// to the front (0x80: zero), as pshufb / tbl take it.
    /// </summary>
    internal static readonly Vector128<byte>[] PackControls = BuildPackControls();

    private static Vector128<byte>[] BuildPackControls()
    {
        var controls = new Vector128<byte>[BdiFormat.Raw + 1];
        Span<byte> control = stackalloc byte[16];
        for (int id = 2; id < BdiFormat.Raw; id++)
        {
            int k = BdiFormat.LaneBytesOf[id], d = BdiFormat.DeltaBytesOf[id];
            control.Fill(0x80);
            for (int j = 0; j < 16 / k * d; j++)
            {
                control[j] = (byte)(j / d * k + j % d);
            }

            controls[id] = Vector128.Create((ReadOnlySpan<byte>)control);
        }

        return controls;
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
    private static LegacyBdiBlock ClassifyScalar(ref byte block)
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
            return new LegacyBdiBlock(BdiFormat.Zeros, 0, 0);
        }

        if (repeated)
        {
            return new LegacyBdiBlock(BdiFormat.Repeated, 0, first);
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
                return new LegacyBdiBlock(BdiFormat.Ids[i], mask, (ulong)baseValue & LaneMask(k));
            }
        }

        return new LegacyBdiBlock(BdiFormat.Raw, 0, 0);
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
