using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Mecom.Codecs.Simd;

// The three widths, each member a one-line forward to the runtime's own operator: this file is the only
// place a vector width is spelled out for the bodies that are generic over IVectorTier.

/// <summary>The 128-bit tier (SSE2/SSSE3, NEON).</summary>
internal readonly struct Tier128 : IVectorTier<Vector128<byte>>
{
    public static int ByteCount => Vector128<byte>.Count;

    public static Vector128<byte> Zero => Vector128<byte>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> Load(ref byte source, nuint byteOffset) => Vector128.LoadUnsafe(ref source, byteOffset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector128<byte> value, ref byte destination, nuint byteOffset) => value.StoreUnsafe(ref destination, byteOffset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> Create<T>(T lane) where T : unmanaged => Vector128.Create(lane).AsByte();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> Or(Vector128<byte> a, Vector128<byte> b) => a | b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> And(Vector128<byte> a, Vector128<byte> b) => a & b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> Xor(Vector128<byte> a, Vector128<byte> b) => a ^ b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> Add<T>(Vector128<byte> a, Vector128<byte> b) where T : unmanaged => (a.As<byte, T>() + b.As<byte, T>()).AsByte();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> Subtract<T>(Vector128<byte> a, Vector128<byte> b) where T : unmanaged => (a.As<byte, T>() - b.As<byte, T>()).AsByte();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> ShiftLeft<T>(Vector128<byte> value, int bits) where T : unmanaged => (value.As<byte, T>() << bits).AsByte();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> ShiftRight<T>(Vector128<byte> value, int bits) where T : unmanaged => (value.As<byte, T>() >>> bits).AsByte();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> Equals<T>(Vector128<byte> a, Vector128<byte> b) where T : unmanaged => Vector128.Equals(a.As<byte, T>(), b.As<byte, T>()).AsByte();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> Select(Vector128<byte> mask, Vector128<byte> a, Vector128<byte> b) => Vector128.ConditionalSelect(mask, a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsZero(Vector128<byte> value) => value == Vector128<byte>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsAllBitsSet(Vector128<byte> value) => value == Vector128<byte>.AllBitsSet;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong MostSignificantBits<T>(Vector128<byte> value) where T : unmanaged => value.As<byte, T>().ExtractMostSignificantBits();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> NarrowWords(Vector128<byte> lower, Vector128<byte> upper) => Vector128.Narrow(lower.AsUInt16(), upper.AsUInt16());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> WidenLower(Vector128<byte> value) => Vector128.WidenLower(value).AsByte();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> WidenUpper(Vector128<byte> value) => Vector128.WidenUpper(value).AsByte();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> Chunk(Vector128<byte> value, int index) => value;
}

/// <summary>The 256-bit tier (AVX2).</summary>
internal readonly struct Tier256 : IVectorTier<Vector256<byte>>
{
    public static int ByteCount => Vector256<byte>.Count;

    public static Vector256<byte> Zero => Vector256<byte>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Load(ref byte source, nuint byteOffset) => Vector256.LoadUnsafe(ref source, byteOffset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<byte> value, ref byte destination, nuint byteOffset) => value.StoreUnsafe(ref destination, byteOffset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Create<T>(T lane) where T : unmanaged => Vector256.Create(lane).AsByte();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Or(Vector256<byte> a, Vector256<byte> b) => a | b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> And(Vector256<byte> a, Vector256<byte> b) => a & b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Xor(Vector256<byte> a, Vector256<byte> b) => a ^ b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Add<T>(Vector256<byte> a, Vector256<byte> b) where T : unmanaged => (a.As<byte, T>() + b.As<byte, T>()).AsByte();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Subtract<T>(Vector256<byte> a, Vector256<byte> b) where T : unmanaged => (a.As<byte, T>() - b.As<byte, T>()).AsByte();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> ShiftLeft<T>(Vector256<byte> value, int bits) where T : unmanaged => (value.As<byte, T>() << bits).AsByte();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> ShiftRight<T>(Vector256<byte> value, int bits) where T : unmanaged => (value.As<byte, T>() >>> bits).AsByte();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Equals<T>(Vector256<byte> a, Vector256<byte> b) where T : unmanaged => Vector256.Equals(a.As<byte, T>(), b.As<byte, T>()).AsByte();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Select(Vector256<byte> mask, Vector256<byte> a, Vector256<byte> b) => Vector256.ConditionalSelect(mask, a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsZero(Vector256<byte> value) => value == Vector256<byte>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsAllBitsSet(Vector256<byte> value) => value == Vector256<byte>.AllBitsSet;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong MostSignificantBits<T>(Vector256<byte> value) where T : unmanaged => value.As<byte, T>().ExtractMostSignificantBits();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> NarrowWords(Vector256<byte> lower, Vector256<byte> upper) => Vector256.Narrow(lower.AsUInt16(), upper.AsUInt16());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> WidenLower(Vector256<byte> value) => Vector256.WidenLower(value).AsByte();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> WidenUpper(Vector256<byte> value) => Vector256.WidenUpper(value).AsByte();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> Chunk(Vector256<byte> value, int index) => index == 0 ? value.GetLower() : value.GetUpper();
}

/// <summary>The 512-bit tier (AVX-512).</summary>
internal readonly struct Tier512 : IVectorTier<Vector512<byte>>
{
    public static int ByteCount => Vector512<byte>.Count;

    public static Vector512<byte> Zero => Vector512<byte>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<byte> Load(ref byte source, nuint byteOffset) => Vector512.LoadUnsafe(ref source, byteOffset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<byte> value, ref byte destination, nuint byteOffset) => value.StoreUnsafe(ref destination, byteOffset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<byte> Create<T>(T lane) where T : unmanaged => Vector512.Create(lane).AsByte();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<byte> Or(Vector512<byte> a, Vector512<byte> b) => a | b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<byte> And(Vector512<byte> a, Vector512<byte> b) => a & b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<byte> Xor(Vector512<byte> a, Vector512<byte> b) => a ^ b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<byte> Add<T>(Vector512<byte> a, Vector512<byte> b) where T : unmanaged => (a.As<byte, T>() + b.As<byte, T>()).AsByte();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<byte> Subtract<T>(Vector512<byte> a, Vector512<byte> b) where T : unmanaged => (a.As<byte, T>() - b.As<byte, T>()).AsByte();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<byte> ShiftLeft<T>(Vector512<byte> value, int bits) where T : unmanaged => (value.As<byte, T>() << bits).AsByte();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<byte> ShiftRight<T>(Vector512<byte> value, int bits) where T : unmanaged => (value.As<byte, T>() >>> bits).AsByte();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<byte> Equals<T>(Vector512<byte> a, Vector512<byte> b) where T : unmanaged => Vector512.Equals(a.As<byte, T>(), b.As<byte, T>()).AsByte();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<byte> Select(Vector512<byte> mask, Vector512<byte> a, Vector512<byte> b) => Vector512.ConditionalSelect(mask, a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsZero(Vector512<byte> value) => value == Vector512<byte>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsAllBitsSet(Vector512<byte> value) => value == Vector512<byte>.AllBitsSet;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong MostSignificantBits<T>(Vector512<byte> value) where T : unmanaged => value.As<byte, T>().ExtractMostSignificantBits();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<byte> NarrowWords(Vector512<byte> lower, Vector512<byte> upper) => Vector512.Narrow(lower.AsUInt16(), upper.AsUInt16());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<byte> WidenLower(Vector512<byte> value) => Vector512.WidenLower(value).AsByte();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<byte> WidenUpper(Vector512<byte> value) => Vector512.WidenUpper(value).AsByte();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> Chunk(Vector512<byte> value, int index) => index switch
    {
        0 => value.GetLower().GetLower(),
        1 => value.GetLower().GetUpper(),
        2 => value.GetUpper().GetLower(),
        _ => value.GetUpper().GetUpper(),
    };
}
