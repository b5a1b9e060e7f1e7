using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Mecom.Codecs.Simd;

namespace Mecom.Codecs.WordPattern;

/// <summary>
/// Packing and unpacking of WKdm's tag, index and low-bits areas (layouts in <see cref="WkdmFormat"/>).
/// </summary>
/// <remarks>
/// The layouts are chosen so that every step is a handful of shifts and ORs over whole vectors: a tag
/// group is four 64-byte rows, an index pair is one 16-bit lane, a low-bits group is three 16-lane rows
/// of 32-bit values. Each operation has a scalar twin and one vector body generic over its tier
/// (<see cref="IVectorTier{TVector}"/>); all produce the same
/// bytes (tests/WordPattern/WkdmPackingTests). The vector bodies assume a little-endian host, as every
/// .NET target with hardware vectors (x64, Arm64) is.
/// </remarks>
internal static class WkdmPacking
{
    private const int Row = 64;

    // ---- tags: four rows of 64 tag bytes (values 0..3) -> one 64-byte row ------------------------------

    public static void PackTags(ReadOnlySpan<byte> tags, Span<byte> packed, SimdTier tier)
    {
        int groups = tags.Length / WkdmFormat.TagGroupWords;
        if (packed.Length < groups * Row || tags.Length % WkdmFormat.TagGroupWords != 0)
        {
            throw new ArgumentException("tag buffers do not hold whole groups");
        }

        ref byte src = ref MemoryMarshal.GetReference(tags);
        ref byte dst = ref MemoryMarshal.GetReference(packed);
        if (!Groups<PackTagsStep>(tier, ref src, ref dst, groups))
        {
            for (int g = 0; g < groups; g++)
            {
                ref byte s = ref Unsafe.Add(ref src, g * 4 * Row);
                ref byte d = ref Unsafe.Add(ref dst, g * Row);
                for (nuint o = 0; o < Row; o += 8)
                {
                    // Tags are at most 3, so shifting whole 64-bit words never carries between bytes.
                    ulong v = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref s, o))
                            | Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref s, o + Row)) << 2
                            | Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref s, o + 2 * Row)) << 4
                            | Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref s, o + 3 * Row)) << 6;
                    Unsafe.WriteUnaligned(ref Unsafe.Add(ref d, o), v);
                }
            }
        }
    }

    private readonly struct PackTagsStep : IGroupStep
    {
        public static void Run<TTier, TVector>(ref byte src, ref byte dst, int groups)
            where TTier : struct, IVectorTier<TVector>
            where TVector : struct
        {
            for (int g = 0; g < groups; g++)
            {
                ref byte s = ref Unsafe.Add(ref src, g * 4 * Row);
                ref byte d = ref Unsafe.Add(ref dst, g * Row);
                for (nuint o = 0; o < Row; o += (nuint)TTier.ByteCount)
                {
                    TTier.Store(
                        TTier.Or(
                            TTier.Or(TTier.Load(ref s, o), TTier.ShiftLeft<ulong>(TTier.Load(ref s, o + Row), 2)),
                            TTier.Or(TTier.ShiftLeft<ulong>(TTier.Load(ref s, o + 2 * Row), 4), TTier.ShiftLeft<ulong>(TTier.Load(ref s, o + 3 * Row), 6))),
                        ref d,
                        o);
                }
            }
        }
    }

    public static void UnpackTags(ReadOnlySpan<byte> packed, Span<byte> tags, SimdTier tier)
    {
        int groups = packed.Length / Row;
        if (tags.Length < groups * 4 * Row || packed.Length % Row != 0)
        {
            throw new ArgumentException("tag buffers do not hold whole groups");
        }

        ref byte src = ref MemoryMarshal.GetReference(packed);
        ref byte dst = ref MemoryMarshal.GetReference(tags);
        if (!Groups<UnpackTagsStep>(tier, ref src, ref dst, groups))
        {
            for (int g = 0; g < groups; g++)
            {
                ref byte s = ref Unsafe.Add(ref src, g * Row);
                ref byte d = ref Unsafe.Add(ref dst, g * 4 * Row);
                for (nuint o = 0; o < Row; o += 8)
                {
                    const ulong m = 0x0303030303030303UL;
                    ulong v = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref s, o));
                    Unsafe.WriteUnaligned(ref Unsafe.Add(ref d, o), v & m);
                    Unsafe.WriteUnaligned(ref Unsafe.Add(ref d, o + Row), (v >> 2) & m);
                    Unsafe.WriteUnaligned(ref Unsafe.Add(ref d, o + 2 * Row), (v >> 4) & m);
                    Unsafe.WriteUnaligned(ref Unsafe.Add(ref d, o + 3 * Row), (v >> 6) & m);
                }
            }
        }
    }

    private readonly struct UnpackTagsStep : IGroupStep
    {
        public static void Run<TTier, TVector>(ref byte src, ref byte dst, int groups)
            where TTier : struct, IVectorTier<TVector>
            where TVector : struct
        {
            TVector m = TTier.Create((byte)3);
            for (int g = 0; g < groups; g++)
            {
                ref byte s = ref Unsafe.Add(ref src, g * Row);
                ref byte d = ref Unsafe.Add(ref dst, g * 4 * Row);
                for (nuint o = 0; o < Row; o += (nuint)TTier.ByteCount)
                {
                    TVector v = TTier.Load(ref s, o);
                    TTier.Store(TTier.And(v, m), ref d, o);
                    TTier.Store(TTier.And(TTier.ShiftRight<ulong>(v, 2), m), ref d, o + Row);
                    TTier.Store(TTier.And(TTier.ShiftRight<ulong>(v, 4), m), ref d, o + 2 * Row);
                    TTier.Store(TTier.And(TTier.ShiftRight<ulong>(v, 6), m), ref d, o + 3 * Row);
                }
            }
        }
    }

    // ---- indices: pairs of 4-bit values -> one byte ------------------------------------------------------

    /// <summary>
    /// Packs <paramref name="indices"/> (values 0..15) into <paramref name="packed"/>, whose length fixes how
    /// many are read: 2 per byte. Entries past the real count must be zero.
    /// </summary>
    public static void PackIndices(ReadOnlySpan<byte> indices, Span<byte> packed, SimdTier tier)
    {
        if (indices.Length < 2 * packed.Length)
        {
            throw new ArgumentException("index buffer shorter than the packed area needs");
        }

        Runs<PackIndicesStep>(tier, ref MemoryMarshal.GetReference(indices), ref MemoryMarshal.GetReference(packed), (nuint)packed.Length);
    }

    /// <summary>Unpacks every nibble of <paramref name="packed"/>: 2 indices per byte.</summary>
    public static void UnpackIndices(ReadOnlySpan<byte> packed, Span<byte> indices, SimdTier tier)
    {
        if (indices.Length < 2 * packed.Length)
        {
            throw new ArgumentException("index buffer shorter than the packed area holds");
        }

        Runs<UnpackIndicesStep>(tier, ref MemoryMarshal.GetReference(packed), ref MemoryMarshal.GetReference(indices), (nuint)packed.Length);
    }

    /// <summary>A packed byte from each index pair; <c>length</c> counts packed bytes.</summary>
    private readonly struct PackIndicesStep : IRunStep
    {
        public static void Run<TTier, TVector>(ref byte src, ref byte dst, nuint length, ref nuint o)
            where TTier : struct, IVectorTier<TVector>
            where TVector : struct
        {
            // lane = lo | hi << 8; lane | lane >> 4 leaves lo | hi << 4 in the low byte, which the narrowing keeps.
            nuint w = (nuint)TTier.ByteCount;
            for (; o + w <= length; o += w)
            {
                TVector a = TTier.Load(ref src, 2 * o), b = TTier.Load(ref src, 2 * o + w);
                TTier.Store(TTier.NarrowWords(TTier.Or(a, TTier.ShiftRight<ushort>(a, 4)), TTier.Or(b, TTier.ShiftRight<ushort>(b, 4))), ref dst, o);
            }
        }

        public static void Scalar(ref byte src, ref byte dst, nuint length, nuint o)
        {
            for (; o < length; o++)
            {
                Unsafe.Add(ref dst, o) = (byte)(Unsafe.Add(ref src, 2 * o) | Unsafe.Add(ref src, 2 * o + 1) << 4);
            }
        }
    }

    /// <summary>Two indices from each packed byte; <c>length</c> counts packed bytes.</summary>
    private readonly struct UnpackIndicesStep : IRunStep
    {
        public static void Run<TTier, TVector>(ref byte src, ref byte dst, nuint length, ref nuint o)
            where TTier : struct, IVectorTier<TVector>
            where TVector : struct
        {
            // Widened lane x = byte; (x & 0x0F) | (x & 0xF0) << 4 puts the low nibble in byte 0, the high in byte 1.
            nuint w = (nuint)TTier.ByteCount;
            TVector low = TTier.Create((ushort)0x0F), high = TTier.Create((ushort)0xF0);
            for (; o + w <= length; o += w)
            {
                TVector v = TTier.Load(ref src, o);
                TVector a = TTier.WidenLower(v), b = TTier.WidenUpper(v);
                TTier.Store(TTier.Or(TTier.And(a, low), TTier.ShiftLeft<ushort>(TTier.And(a, high), 4)), ref dst, 2 * o);
                TTier.Store(TTier.Or(TTier.And(b, low), TTier.ShiftLeft<ushort>(TTier.And(b, high), 4)), ref dst, 2 * o + w);
            }
        }

        public static void Scalar(ref byte src, ref byte dst, nuint length, nuint o)
        {
            for (; o < length; o++)
            {
                byte v = Unsafe.Add(ref src, o);
                Unsafe.Add(ref dst, 2 * o) = (byte)(v & 0xF);
                Unsafe.Add(ref dst, 2 * o + 1) = (byte)(v >> 4);
            }
        }
    }

    // ---- low bits: three 10-bit values -> one 32-bit word --------------------------------------------------

    /// <summary>
    /// Packs <paramref name="packed"/>.Length/4 words from <paramref name="lows"/> (values 0..1023, zero past the
    /// real count, at least 3 per word): whole groups of 16 words first, then the rest three values a word.
    /// </summary>
    public static void PackLows(ReadOnlySpan<uint> lows, Span<byte> packed, SimdTier tier)
    {
        int words = packed.Length / 4;
        if (lows.Length < 3 * words || packed.Length % 4 != 0)
        {
            throw new ArgumentException("low-bits buffer shorter than the packed area needs");
        }

        ref uint src = ref MemoryMarshal.GetReference(lows);
        ref uint dst = ref Unsafe.As<byte, uint>(ref MemoryMarshal.GetReference(packed));
        int groups = words / 16;
        if (!Groups<PackLowsStep>(tier, ref Unsafe.As<uint, byte>(ref src), ref Unsafe.As<uint, byte>(ref dst), groups))
        {
            for (int g = 0; g < groups; g++)
            {
                ref uint s = ref Unsafe.Add(ref src, g * WkdmFormat.LowGroupValues);
                ref uint d = ref Unsafe.Add(ref dst, g * 16);
                for (int k = 0; k < 16; k++)
                {
                    Unsafe.Add(ref d, k) = ToLittleEndian(Unsafe.Add(ref s, k) | Unsafe.Add(ref s, k + 16) << 10 | Unsafe.Add(ref s, k + 32) << 20);
                }
            }
        }

        for (int w = groups * 16, v = groups * WkdmFormat.LowGroupValues; w < words; w++, v += 3)
        {
            Unsafe.Add(ref dst, w) = ToLittleEndian(Unsafe.Add(ref src, v) | Unsafe.Add(ref src, v + 1) << 10 | Unsafe.Add(ref src, v + 2) << 20);
        }
    }

    private readonly struct PackLowsStep : IGroupStep
    {
        public static void Run<TTier, TVector>(ref byte src, ref byte dst, int groups)
            where TTier : struct, IVectorTier<TVector>
            where TVector : struct
        {
            const nuint GroupRowBytes = 16 * sizeof(uint);
            for (int g = 0; g < groups; g++)
            {
                ref byte s = ref Unsafe.Add(ref src, g * WkdmFormat.LowGroupValues * sizeof(uint));
                ref byte d = ref Unsafe.Add(ref dst, g * 16 * sizeof(uint));
                for (nuint k = 0; k < GroupRowBytes; k += (nuint)TTier.ByteCount)
                {
                    TTier.Store(
                        TTier.Or(
                            TTier.Load(ref s, k),
                            TTier.Or(TTier.ShiftLeft<uint>(TTier.Load(ref s, k + GroupRowBytes), 10), TTier.ShiftLeft<uint>(TTier.Load(ref s, k + 2 * GroupRowBytes), 20))),
                        ref d,
                        k);
                }
            }
        }
    }

    /// <summary>Unpacks every word of <paramref name="packed"/> into three values each.</summary>
    public static void UnpackLows(ReadOnlySpan<byte> packed, Span<uint> lows, SimdTier tier)
    {
        int words = packed.Length / 4;
        if (lows.Length < 3 * words || packed.Length % 4 != 0)
        {
            throw new ArgumentException("low-bits buffer shorter than the packed area holds");
        }

        ref uint src = ref Unsafe.As<byte, uint>(ref MemoryMarshal.GetReference(packed));
        ref uint dst = ref MemoryMarshal.GetReference(lows);
        int groups = words / 16;
        if (!Groups<UnpackLowsStep>(tier, ref Unsafe.As<uint, byte>(ref src), ref Unsafe.As<uint, byte>(ref dst), groups))
        {
            for (int g = 0; g < groups; g++)
            {
                ref uint s = ref Unsafe.Add(ref src, g * 16);
                ref uint d = ref Unsafe.Add(ref dst, g * WkdmFormat.LowGroupValues);
                for (int k = 0; k < 16; k++)
                {
                    uint v = FromLittleEndian(Unsafe.Add(ref s, k));
                    Unsafe.Add(ref d, k) = v & WkdmFormat.LowBitsMask;
                    Unsafe.Add(ref d, k + 16) = (v >> 10) & WkdmFormat.LowBitsMask;
                    Unsafe.Add(ref d, k + 32) = (v >> 20) & WkdmFormat.LowBitsMask;
                }
            }
        }

        for (int w = groups * 16, o = groups * WkdmFormat.LowGroupValues; w < words; w++, o += 3)
        {
            uint v = FromLittleEndian(Unsafe.Add(ref src, w));
            Unsafe.Add(ref dst, o) = v & WkdmFormat.LowBitsMask;
            Unsafe.Add(ref dst, o + 1) = (v >> 10) & WkdmFormat.LowBitsMask;
            Unsafe.Add(ref dst, o + 2) = (v >> 20) & WkdmFormat.LowBitsMask;
        }
    }

    private readonly struct UnpackLowsStep : IGroupStep
    {
        public static void Run<TTier, TVector>(ref byte src, ref byte dst, int groups)
            where TTier : struct, IVectorTier<TVector>
            where TVector : struct
        {
            const nuint GroupRowBytes = 16 * sizeof(uint);
            TVector m = TTier.Create(WkdmFormat.LowBitsMask);
            for (int g = 0; g < groups; g++)
            {
                ref byte s = ref Unsafe.Add(ref src, g * 16 * sizeof(uint));
                ref byte d = ref Unsafe.Add(ref dst, g * WkdmFormat.LowGroupValues * sizeof(uint));
                for (nuint k = 0; k < GroupRowBytes; k += (nuint)TTier.ByteCount)
                {
                    TVector v = TTier.Load(ref s, k);
                    TTier.Store(TTier.And(v, m), ref d, k);
                    TTier.Store(TTier.And(TTier.ShiftRight<uint>(v, 10), m), ref d, k + GroupRowBytes);
                    TTier.Store(TTier.And(TTier.ShiftRight<uint>(v, 20), m), ref d, k + 2 * GroupRowBytes);
                }
            }
        }
    }

    // ---- dispatch: one per shape of operation, each step a struct so its tier's body inlines -------------

    /// <summary>A step over whole groups (tags, low bits).</summary>
    private interface IGroupStep
    {
        static abstract void Run<TTier, TVector>(ref byte src, ref byte dst, int groups)
            where TTier : struct, IVectorTier<TVector>
            where TVector : struct;
    }

    /// <summary>
    /// A step over a run (indices): each vector body goes as far as its width allows from <c>o</c> and
    /// leaves <c>o</c> where it stopped; the scalar twin does the rest, or all of it on the scalar tier.
    /// </summary>
    private interface IRunStep
    {
        static abstract void Run<TTier, TVector>(ref byte src, ref byte dst, nuint length, ref nuint o)
            where TTier : struct, IVectorTier<TVector>
            where TVector : struct;

        static abstract void Scalar(ref byte src, ref byte dst, nuint length, nuint o);
    }

    /// <summary>Runs the tier's body; false for the scalar tier, whose twin the caller runs.</summary>
    private static bool Groups<TStep>(SimdTier tier, ref byte src, ref byte dst, int groups)
        where TStep : struct, IGroupStep
    {
        switch (tier)
        {
            case SimdTier.Vector512: TStep.Run<Tier512, Vector512<byte>>(ref src, ref dst, groups); return true;
            case SimdTier.Vector256: TStep.Run<Tier256, Vector256<byte>>(ref src, ref dst, groups); return true;
            case SimdTier.Vector128: TStep.Run<Tier128, Vector128<byte>>(ref src, ref dst, groups); return true;
            default: return false;
        }
    }

    /// <summary>Widest first, then each narrower width takes what is left, then the scalar twin.</summary>
    private static void Runs<TStep>(SimdTier tier, ref byte src, ref byte dst, nuint length)
        where TStep : struct, IRunStep
    {
        nuint o = 0;
        switch (tier)
        {
            case SimdTier.Vector512:
                TStep.Run<Tier512, Vector512<byte>>(ref src, ref dst, length, ref o);
                goto case SimdTier.Vector256;
            case SimdTier.Vector256:
                TStep.Run<Tier256, Vector256<byte>>(ref src, ref dst, length, ref o);
                goto case SimdTier.Vector128;
            case SimdTier.Vector128:
                TStep.Run<Tier128, Vector128<byte>>(ref src, ref dst, length, ref o);
                break;
        }

        TStep.Scalar(ref src, ref dst, length, o);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint ToLittleEndian(uint v) => BitConverter.IsLittleEndian ? v : BinaryPrimitives.ReverseEndianness(v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint FromLittleEndian(uint v) => BitConverter.IsLittleEndian ? v : BinaryPrimitives.ReverseEndianness(v);
}
