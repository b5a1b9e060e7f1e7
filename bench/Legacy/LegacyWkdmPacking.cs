using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Mecom.Codecs.Pages;
using Mecom.Codecs.Simd;
using Mecom.Codecs.WordPattern;

namespace Mecom.Bench.Legacy;

/// <summary>
/// Packing and unpacking of WKdm's tag, index and low-bits areas (layouts in <see cref="WkdmFormat"/>).
/// </summary>
/// <remarks>
/// The layouts are chosen so that every step is a handful of shifts and ORs over whole vectors: a tag
/// group is four 64-byte rows, an index pair is one 16-bit lane, a low-bits group is three 16-lane rows
/// of 32-bit values. Each operation has a scalar twin and Vector128/256/512 bodies; all produce the same
/// bytes (tests/WordPattern/WkdmPackingTests). The vector bodies assume a little-endian host, as every
/// .NET target with hardware vectors (x64, Arm64) is.
/// </remarks>
internal static class LegacyWkdmPacking
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
        for (int g = 0; g < groups; g++)
        {
            ref byte s = ref Unsafe.Add(ref src, g * 4 * Row);
            ref byte d = ref Unsafe.Add(ref dst, g * Row);
            switch (tier)
            {
                case SimdTier.Vector512:
                    PackRow512(ref s, ref d, 0);
                    break;
                case SimdTier.Vector256:
                    PackRow256(ref s, ref d, 0);
                    PackRow256(ref s, ref d, 32);
                    break;
                case SimdTier.Vector128:
                    for (nuint o = 0; o < Row; o += 16)
                    {
                        PackRow128(ref s, ref d, o);
                    }

                    break;
                default:
                    for (nuint o = 0; o < Row; o += 8)
                    {
                        // Tags are at most 3, so shifting whole 64-bit words never carries between bytes.
                        ulong v = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref s, o))
                                | Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref s, o + Row)) << 2
                                | Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref s, o + 2 * Row)) << 4
                                | Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref s, o + 3 * Row)) << 6;
                        Unsafe.WriteUnaligned(ref Unsafe.Add(ref d, o), v);
                    }

                    break;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PackRow128(ref byte s, ref byte d, nuint o) =>
        (Vector128.LoadUnsafe(ref s, o).AsUInt64()
         | Vector128.LoadUnsafe(ref s, o + Row).AsUInt64() << 2
         | Vector128.LoadUnsafe(ref s, o + 2 * Row).AsUInt64() << 4
         | Vector128.LoadUnsafe(ref s, o + 3 * Row).AsUInt64() << 6).AsByte().StoreUnsafe(ref d, o);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PackRow256(ref byte s, ref byte d, nuint o) =>
        (Vector256.LoadUnsafe(ref s, o).AsUInt64()
         | Vector256.LoadUnsafe(ref s, o + Row).AsUInt64() << 2
         | Vector256.LoadUnsafe(ref s, o + 2 * Row).AsUInt64() << 4
         | Vector256.LoadUnsafe(ref s, o + 3 * Row).AsUInt64() << 6).AsByte().StoreUnsafe(ref d, o);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PackRow512(ref byte s, ref byte d, nuint o) =>
        (Vector512.LoadUnsafe(ref s, o).AsUInt64()
         | Vector512.LoadUnsafe(ref s, o + Row).AsUInt64() << 2
         | Vector512.LoadUnsafe(ref s, o + 2 * Row).AsUInt64() << 4
         | Vector512.LoadUnsafe(ref s, o + 3 * Row).AsUInt64() << 6).AsByte().StoreUnsafe(ref d, o);

    public static void UnpackTags(ReadOnlySpan<byte> packed, Span<byte> tags, SimdTier tier)
    {
        int groups = packed.Length / Row;
        if (tags.Length < groups * 4 * Row || packed.Length % Row != 0)
        {
            throw new ArgumentException("tag buffers do not hold whole groups");
        }

        ref byte src = ref MemoryMarshal.GetReference(packed);
        ref byte dst = ref MemoryMarshal.GetReference(tags);
        for (int g = 0; g < groups; g++)
        {
            ref byte s = ref Unsafe.Add(ref src, g * Row);
            ref byte d = ref Unsafe.Add(ref dst, g * 4 * Row);
            switch (tier)
            {
                case SimdTier.Vector512:
                {
                    Vector512<ulong> v = Vector512.LoadUnsafe(ref s).AsUInt64();
                    Vector512<ulong> m = Vector512.Create(0x0303030303030303UL);
                    (v & m).AsByte().StoreUnsafe(ref d);
                    ((v >> 2) & m).AsByte().StoreUnsafe(ref d, Row);
                    ((v >> 4) & m).AsByte().StoreUnsafe(ref d, 2 * Row);
                    ((v >> 6) & m).AsByte().StoreUnsafe(ref d, 3 * Row);
                    break;
                }

                case SimdTier.Vector256:
                    for (nuint o = 0; o < Row; o += 32)
                    {
                        Vector256<ulong> v = Vector256.LoadUnsafe(ref s, o).AsUInt64();
                        Vector256<ulong> m = Vector256.Create(0x0303030303030303UL);
                        (v & m).AsByte().StoreUnsafe(ref d, o);
                        ((v >> 2) & m).AsByte().StoreUnsafe(ref d, o + Row);
                        ((v >> 4) & m).AsByte().StoreUnsafe(ref d, o + 2 * Row);
                        ((v >> 6) & m).AsByte().StoreUnsafe(ref d, o + 3 * Row);
                    }

                    break;
                case SimdTier.Vector128:
                    for (nuint o = 0; o < Row; o += 16)
                    {
                        Vector128<ulong> v = Vector128.LoadUnsafe(ref s, o).AsUInt64();
                        Vector128<ulong> m = Vector128.Create(0x0303030303030303UL);
                        (v & m).AsByte().StoreUnsafe(ref d, o);
                        ((v >> 2) & m).AsByte().StoreUnsafe(ref d, o + Row);
                        ((v >> 4) & m).AsByte().StoreUnsafe(ref d, o + 2 * Row);
                        ((v >> 6) & m).AsByte().StoreUnsafe(ref d, o + 3 * Row);
                    }

                    break;
                default:
                    for (nuint o = 0; o < Row; o += 8)
                    {
                        const ulong m = 0x0303030303030303UL;
                        ulong v = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref s, o));
                        Unsafe.WriteUnaligned(ref Unsafe.Add(ref d, o), v & m);
                        Unsafe.WriteUnaligned(ref Unsafe.Add(ref d, o + Row), (v >> 2) & m);
                        Unsafe.WriteUnaligned(ref Unsafe.Add(ref d, o + 2 * Row), (v >> 4) & m);
                        Unsafe.WriteUnaligned(ref Unsafe.Add(ref d, o + 3 * Row), (v >> 6) & m);
                    }

                    break;
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

        ref byte src = ref MemoryMarshal.GetReference(indices);
        ref byte dst = ref MemoryMarshal.GetReference(packed);
        nuint length = (nuint)packed.Length;
        nuint o = 0;
        // lane = lo | hi << 8; lane | lane >> 4 leaves lo | hi << 4 in the low byte, which Narrow keeps.
        if (tier >= SimdTier.Vector512)
        {
            for (; o + 64 <= length; o += 64)
            {
                Vector512<ushort> a = Vector512.LoadUnsafe(ref src, 2 * o).AsUInt16();
                Vector512<ushort> b = Vector512.LoadUnsafe(ref src, 2 * o + 64).AsUInt16();
                Vector512.Narrow(a | (a >> 4), b | (b >> 4)).StoreUnsafe(ref dst, o);
            }
        }

        if (tier >= SimdTier.Vector256)
        {
            for (; o + 32 <= length; o += 32)
            {
                Vector256<ushort> a = Vector256.LoadUnsafe(ref src, 2 * o).AsUInt16();
                Vector256<ushort> b = Vector256.LoadUnsafe(ref src, 2 * o + 32).AsUInt16();
                Vector256.Narrow(a | (a >> 4), b | (b >> 4)).StoreUnsafe(ref dst, o);
            }
        }

        if (tier >= SimdTier.Vector128)
        {
            for (; o + 16 <= length; o += 16)
            {
                Vector128<ushort> a = Vector128.LoadUnsafe(ref src, 2 * o).AsUInt16();
                Vector128<ushort> b = Vector128.LoadUnsafe(ref src, 2 * o + 16).AsUInt16();
                Vector128.Narrow(a | (a >> 4), b | (b >> 4)).StoreUnsafe(ref dst, o);
            }
        }

        for (; o < length; o++)
        {
            Unsafe.Add(ref dst, o) = (byte)(Unsafe.Add(ref src, 2 * o) | Unsafe.Add(ref src, 2 * o + 1) << 4);
        }
    }

    /// <summary>Unpacks every nibble of <paramref name="packed"/>: 2 indices per byte.</summary>
    public static void UnpackIndices(ReadOnlySpan<byte> packed, Span<byte> indices, SimdTier tier)
    {
        if (indices.Length < 2 * packed.Length)
        {
            throw new ArgumentException("index buffer shorter than the packed area holds");
        }

        ref byte src = ref MemoryMarshal.GetReference(packed);
        ref byte dst = ref MemoryMarshal.GetReference(indices);
        nuint length = (nuint)packed.Length;
        nuint o = 0;
        // Widened lane x = byte; (x & 0x0F) | (x & 0xF0) << 4 puts the low nibble in byte 0, the high in byte 1.
        if (tier >= SimdTier.Vector512)
        {
            for (; o + 64 <= length; o += 64)
            {
                (Vector512<ushort> a, Vector512<ushort> b) = Vector512.Widen(Vector512.LoadUnsafe(ref src, o));
                ((a & Vector512.Create((ushort)0x0F)) | ((a & Vector512.Create((ushort)0xF0)) << 4)).AsByte().StoreUnsafe(ref dst, 2 * o);
                ((b & Vector512.Create((ushort)0x0F)) | ((b & Vector512.Create((ushort)0xF0)) << 4)).AsByte().StoreUnsafe(ref dst, 2 * o + 64);
            }
        }

        if (tier >= SimdTier.Vector256)
        {
            for (; o + 32 <= length; o += 32)
            {
                (Vector256<ushort> a, Vector256<ushort> b) = Vector256.Widen(Vector256.LoadUnsafe(ref src, o));
                ((a & Vector256.Create((ushort)0x0F)) | ((a & Vector256.Create((ushort)0xF0)) << 4)).AsByte().StoreUnsafe(ref dst, 2 * o);
                ((b & Vector256.Create((ushort)0x0F)) | ((b & Vector256.Create((ushort)0xF0)) << 4)).AsByte().StoreUnsafe(ref dst, 2 * o + 32);
            }
        }

        if (tier >= SimdTier.Vector128)
        {
            for (; o + 16 <= length; o += 16)
            {
                (Vector128<ushort> a, Vector128<ushort> b) = Vector128.Widen(Vector128.LoadUnsafe(ref src, o));
                ((a & Vector128.Create((ushort)0x0F)) | ((a & Vector128.Create((ushort)0xF0)) << 4)).AsByte().StoreUnsafe(ref dst, 2 * o);
                ((b & Vector128.Create((ushort)0x0F)) | ((b & Vector128.Create((ushort)0xF0)) << 4)).AsByte().StoreUnsafe(ref dst, 2 * o + 16);
            }
        }

        for (; o < length; o++)
        {
            byte v = Unsafe.Add(ref src, o);
            Unsafe.Add(ref dst, 2 * o) = (byte)(v & 0xF);
            Unsafe.Add(ref dst, 2 * o + 1) = (byte)(v >> 4);
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
        for (int g = 0; g < groups; g++)
        {
            ref uint s = ref Unsafe.Add(ref src, g * WkdmFormat.LowGroupValues);
            ref uint d = ref Unsafe.Add(ref dst, g * 16);
            switch (tier)
            {
                case SimdTier.Vector512:
                    (Vector512.LoadUnsafe(ref s) | Vector512.LoadUnsafe(ref s, 16) << 10 | Vector512.LoadUnsafe(ref s, 32) << 20).StoreUnsafe(ref d);
                    break;
                case SimdTier.Vector256:
                    for (nuint k = 0; k < 16; k += 8)
                    {
                        (Vector256.LoadUnsafe(ref s, k) | Vector256.LoadUnsafe(ref s, k + 16) << 10 | Vector256.LoadUnsafe(ref s, k + 32) << 20).StoreUnsafe(ref d, k);
                    }

                    break;
                case SimdTier.Vector128:
                    for (nuint k = 0; k < 16; k += 4)
                    {
                        (Vector128.LoadUnsafe(ref s, k) | Vector128.LoadUnsafe(ref s, k + 16) << 10 | Vector128.LoadUnsafe(ref s, k + 32) << 20).StoreUnsafe(ref d, k);
                    }

                    break;
                default:
                    for (int k = 0; k < 16; k++)
                    {
                        Unsafe.Add(ref d, k) = ToLittleEndian(Unsafe.Add(ref s, k) | Unsafe.Add(ref s, k + 16) << 10 | Unsafe.Add(ref s, k + 32) << 20);
                    }

                    break;
            }
        }

        for (int w = groups * 16, v = groups * WkdmFormat.LowGroupValues; w < words; w++, v += 3)
        {
            Unsafe.Add(ref dst, w) = ToLittleEndian(Unsafe.Add(ref src, v) | Unsafe.Add(ref src, v + 1) << 10 | Unsafe.Add(ref src, v + 2) << 20);
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
        for (int g = 0; g < groups; g++)
        {
            ref uint s = ref Unsafe.Add(ref src, g * 16);
            ref uint d = ref Unsafe.Add(ref dst, g * WkdmFormat.LowGroupValues);
            switch (tier)
            {
                case SimdTier.Vector512:
                {
                    Vector512<uint> v = Vector512.LoadUnsafe(ref s);
                    Vector512<uint> m = Vector512.Create(WkdmFormat.LowBitsMask);
                    (v & m).StoreUnsafe(ref d);
                    ((v >> 10) & m).StoreUnsafe(ref d, 16);
                    ((v >> 20) & m).StoreUnsafe(ref d, 32);
                    break;
                }

                case SimdTier.Vector256:
                    for (nuint k = 0; k < 16; k += 8)
                    {
                        Vector256<uint> v = Vector256.LoadUnsafe(ref s, k);
                        Vector256<uint> m = Vector256.Create(WkdmFormat.LowBitsMask);
                        (v & m).StoreUnsafe(ref d, k);
                        ((v >> 10) & m).StoreUnsafe(ref d, k + 16);
                        ((v >> 20) & m).StoreUnsafe(ref d, k + 32);
                    }

                    break;
                case SimdTier.Vector128:
                    for (nuint k = 0; k < 16; k += 4)
                    {
                        Vector128<uint> v = Vector128.LoadUnsafe(ref s, k);
                        Vector128<uint> m = Vector128.Create(WkdmFormat.LowBitsMask);
                        (v & m).StoreUnsafe(ref d, k);
                        ((v >> 10) & m).StoreUnsafe(ref d, k + 16);
                        ((v >> 20) & m).StoreUnsafe(ref d, k + 32);
                    }

                    break;
                default:
                    for (int k = 0; k < 16; k++)
                    {
                        uint v = FromLittleEndian(Unsafe.Add(ref s, k));
                        Unsafe.Add(ref d, k) = v & WkdmFormat.LowBitsMask;
                        Unsafe.Add(ref d, k + 16) = (v >> 10) & WkdmFormat.LowBitsMask;
                        Unsafe.Add(ref d, k + 32) = (v >> 20) & WkdmFormat.LowBitsMask;
                    }

                    break;
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint ToLittleEndian(uint v) => BitConverter.IsLittleEndian ? v : BinaryPrimitives.ReverseEndianness(v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint FromLittleEndian(uint v) => BitConverter.IsLittleEndian ? v : BinaryPrimitives.ReverseEndianness(v);
}
