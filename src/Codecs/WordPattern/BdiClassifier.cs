using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Mecom.Codecs.Simd;

namespace Mecom.Codecs.WordPattern;

/// <summary>The encoding of one 64-byte block: its id, the immediate lanes' mask and the base's bits.</summary>
internal readonly record struct BdiBlock(byte Id, uint Mask, ulong Base);

/// <summary>
/// Picks each block's BΔI encoding (<see cref="BdiFormat"/>). This is the codec's work: a block is a few
/// vectors, and a whole encoding is tested at once: test whether every lane fits the delta width as an
/// immediate, take the first lane that does not as the base, subtract it from every lane and test again. Nothing is sequential across lanes or blocks, unlike WKdm's dictionary.
/// One vector body generic over the tier (<see cref="IVectorTier{TVector}"/>) and a scalar twin; all give the same answer by construction (the base is
/// always the first non-immediate lane), and the tests hold them to it.
/// </summary>
internal static class BdiClassifier
{
    /// <summary>The scalar twin's classification of one block; it packs afterwards (<c>BdiCodec.Pack</c>).</summary>
    public static BdiBlock Classify(ref byte block) => ClassifyScalar(ref block);

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
        SimdTier.Vector128 => EncodePage<Tier128, Vector128<byte>>(ref page, count, ref to, limit),
        SimdTier.Vector256 => EncodePage<Tier256, Vector256<byte>>(ref page, count, ref to, limit),
        _ => EncodePage<Tier512, Vector512<byte>>(ref page, count, ref to, limit),
    };

    private static int EncodePage<TTier, TVector>(ref byte page, int count, ref byte to, int limit)
        where TTier : struct, IVectorTier<TVector>
        where TVector : struct
    {
        ReadOnlySpan<byte> payload = BdiFormat.PayloadBytes;
        int at = count / 2;
        for (int i = 0; i < count; i++)
        {
            BdiBlock block = Encode<TTier, TVector>(ref Unsafe.Add(ref page, i * BdiFormat.BlockBytes), ref Unsafe.Add(ref to, at));
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
    private static BdiBlock Encode<TTier, TVector>(ref byte block, ref byte to)
        where TTier : struct, IVectorTier<TVector>
        where TVector : struct
    {
        ulong first = Unsafe.ReadUnaligned<ulong>(ref block);
        if (AllEqual<TTier, TVector>(ref block, 0))
        {
            return new BdiBlock(BdiFormat.Zeros, 0, 0);
        }

        if (AllEqual<TTier, TVector>(ref block, first))
        {
            Unsafe.WriteUnaligned(ref to, first);
            return new BdiBlock(BdiFormat.Repeated, 0, first);
        }

        // A block that fits d-byte deltas also fits 2d-byte ones (the base can only move to a lane within
        // d bytes of the old one), so the widest delta of each lane width is tried first and, when it fails,
        // its narrower ones are skipped: noise costs three tries, not six. The answer is the scalar twin's,
        // which tries every encoding in the table's order.
        uint m;
        ulong bits;
        bool fits84 = Try<TTier, TVector, long>(ref block, 4, out uint m84, out ulong b84, ref to);
        if (fits84 && Try<TTier, TVector, long>(ref block, 1, out m, out bits, ref to))
        {
            return new BdiBlock(2, m, bits);
        }

        bool fits42 = Try<TTier, TVector, int>(ref block, 2, out uint m42, out ulong b42, ref to);
        if (fits42 && Try<TTier, TVector, int>(ref block, 1, out m, out bits, ref to))
        {
            return new BdiBlock(5, m, bits & 0xFFFF_FFFF);
        }

        if (fits84 && Try<TTier, TVector, long>(ref block, 2, out m, out bits, ref to))
        {
            return new BdiBlock(3, m, bits);
        }

        if (fits42)
        {
            return new BdiBlock(6, m42, b42 & 0xFFFF_FFFF);
        }

        if (Try<TTier, TVector, short>(ref block, 1, out m, out bits, ref to))
        {
            return new BdiBlock(7, m, bits & 0xFFFF);
        }

        if (fits84)
        {
            return new BdiBlock(4, m84, b84);
        }

        Unsafe.CopyBlockUnaligned(ref to, ref block, BdiFormat.BlockBytes);
        return new BdiBlock(BdiFormat.Raw, 0, 0);
    }

    /// <summary>
    /// Whether every lane is an immediate (fits <paramref name="deltaBytes"/> signed) or within that of the
    /// base. "v fits d bytes" is ((v + 2^(8d-1)) &amp; ~(2^(8d) - 1)) == 0: an add, an and and a compare,
    /// with no 64-bit arithmetic shift, which AVX2 lacks.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Try<TTier, TVector, T>(ref byte block, int deltaBytes, out uint mask, out ulong baseBits, ref byte to)
        where TTier : struct, IVectorTier<TVector>
        where TVector : struct
        where T : unmanaged, IBinaryInteger<T>, ISignedNumber<T>
    {
        T bias = T.CreateTruncating(1L << (8 * deltaBytes - 1));
        T high = T.CreateTruncating(~((1L << (8 * deltaBytes)) - 1));
        int k = Unsafe.SizeOf<T>();
        int id = k == 8 ? (deltaBytes == 1 ? 2 : deltaBytes == 2 ? 3 : 4) : k == 4 ? (deltaBytes == 1 ? 5 : 6) : 7;
        int maskBytes = BdiFormat.BlockBytes / k / 8;
        bool fits = Fits<TTier, TVector, T>(ref block, bias, high, out mask, out baseBits, ref Unsafe.Add(ref to, k + maskBytes), PackControls[id], 16 / k * deltaBytes);
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

    /// <summary>Every 8-byte word of the block equals <paramref name="value"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool AllEqual<TTier, TVector>(ref byte block, ulong value)
        where TTier : struct, IVectorTier<TVector>
        where TVector : struct
    {
        // A block is one, two or four vectors; the width is a JIT-time constant, so the unused loads fold away.
        nuint w = (nuint)TTier.ByteCount;
        TVector v = TTier.Create(value);
        TVector diff = TTier.Xor(TTier.Load(ref block, 0), v);
        if (w < BdiFormat.BlockBytes)
        {
            diff = TTier.Or(diff, TTier.Xor(TTier.Load(ref block, w), v));
        }

        if (2 * w < BdiFormat.BlockBytes)
        {
            diff = TTier.Or(diff, TTier.Or(TTier.Xor(TTier.Load(ref block, 2 * w), v), TTier.Xor(TTier.Load(ref block, 3 * w), v)));
        }

        return TTier.IsZero(diff);
    }

    /// <summary>
    /// The encoding test for lanes of <typeparamref name="T"/>: immediates, base, deltas. When it fits, each
    /// 16-byte chunk's stored values (the lane for an immediate, the lane minus the base otherwise) are
    /// gathered by <paramref name="control"/> and stored <paramref name="step"/> bytes apart from <paramref name="to"/>.
    /// </summary>
    /// <remarks>
    /// Written once for the block's one, two or four vectors: the vector count is a JIT-time constant per
    /// tier, so each tier's copy keeps only its own loads and tests, all in registers.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Fits<TTier, TVector, T>(ref byte block, T bias, T high, out uint mask, out ulong baseBits, ref byte to, Vector128<byte> control, int step)
        where TTier : struct, IVectorTier<TVector>
        where TVector : struct
        where T : unmanaged, IBinaryInteger<T>, ISignedNumber<T>
    {
        nuint w = (nuint)TTier.ByteCount;
        bool two = w < BdiFormat.BlockBytes, four = 2 * w < BdiFormat.BlockBytes;
        int count = TTier.ByteCount / Unsafe.SizeOf<T>();
        TVector vb = TTier.Create(bias), vh = TTier.Create(high);
        TVector x0 = TTier.Load(ref block, 0);
        TVector x1 = two ? TTier.Load(ref block, w) : x0;
        TVector x2 = four ? TTier.Load(ref block, 2 * w) : x0;
        TVector x3 = four ? TTier.Load(ref block, 3 * w) : x0;
        TVector i0 = Small<TTier, TVector, T>(x0, vb, vh);
        TVector i1 = two ? Small<TTier, TVector, T>(x1, vb, vh) : i0;
        TVector i2 = four ? Small<TTier, TVector, T>(x2, vb, vh) : i0;
        TVector i3 = four ? Small<TTier, TVector, T>(x3, vb, vh) : i0;
        ulong bits = TTier.MostSignificantBits<T>(i0);
        if (two)
        {
            bits |= TTier.MostSignificantBits<T>(i1) << count;
        }

        if (four)
        {
            bits |= TTier.MostSignificantBits<T>(i2) << (2 * count) | TTier.MostSignificantBits<T>(i3) << (3 * count);
        }

        mask = (uint)bits;
        T b = BaseOf(ref Unsafe.As<byte, T>(ref block), mask, BdiFormat.BlockBytes / Unsafe.SizeOf<T>());
        baseBits = ulong.CreateTruncating(b);
        TVector vbase = TTier.Create(b);
        TVector d0 = TTier.Subtract<T>(x0, vbase), d1 = TTier.Subtract<T>(x1, vbase);
        TVector d2 = TTier.Subtract<T>(x2, vbase), d3 = TTier.Subtract<T>(x3, vbase);

        // Immediate lanes need not fit as deltas: their own test result counts as fitting.
        TVector ok = TTier.Or(Small<TTier, TVector, T>(d0, vb, vh), i0);
        if (two)
        {
            ok = TTier.And(ok, TTier.Or(Small<TTier, TVector, T>(d1, vb, vh), i1));
        }

        if (four)
        {
            ok = TTier.And(ok, TTier.And(TTier.Or(Small<TTier, TVector, T>(d2, vb, vh), i2), TTier.Or(Small<TTier, TVector, T>(d3, vb, vh), i3)));
        }

        bool fits = TTier.IsAllBitsSet(ok);
        if (fits)
        {
            TVector s0 = TTier.Select(i0, x0, d0), s1 = TTier.Select(i1, x1, d1);
            TVector s2 = TTier.Select(i2, x2, d2), s3 = TTier.Select(i3, x3, d3);
            if (four)
            {
                Store(TTier.Chunk(s0, 0), TTier.Chunk(s1, 0), TTier.Chunk(s2, 0), TTier.Chunk(s3, 0), ref to, control, step);
            }
            else if (two)
            {
                Store(TTier.Chunk(s0, 0), TTier.Chunk(s0, 1), TTier.Chunk(s1, 0), TTier.Chunk(s1, 1), ref to, control, step);
            }
            else
            {
                Store(TTier.Chunk(s0, 0), TTier.Chunk(s0, 1), TTier.Chunk(s0, 2), TTier.Chunk(s0, 3), ref to, control, step);
            }
        }

        return fits;
    }

    /// <summary>Lanes whose value fits the delta width as a signed immediate: ((v + bias) &amp; high) == 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector Small<TTier, TVector, T>(TVector x, TVector bias, TVector high)
        where TTier : struct, IVectorTier<TVector>
        where TVector : struct
        where T : unmanaged
        => TTier.Equals<T>(TTier.And(TTier.Add<T>(x, bias), high), TTier.Zero);

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
