using System.Runtime.Intrinsics;

namespace Mecom.Codecs.Simd;

/// <summary>
/// One vector width as static members, so a vector body is written once, generic over its tier, and
/// the JIT compiles one copy per struct tier with every member inlined: the per-width copies that
/// differed only in <c>Vector128</c>/<c>Vector256</c>/<c>Vector512</c> are gone. The register is kept as
/// bytes; members that depend on the lane type take it as a type argument and reinterpret
/// (free). Each body keeps a scalar twin of its own beside it, written in scalar terms, which the tests
/// hold every tier to.
/// </summary>
/// <typeparam name="TVector">The register: <c>Vector128&lt;byte&gt;</c>, <c>Vector256&lt;byte&gt;</c> or <c>Vector512&lt;byte&gt;</c>.</typeparam>
internal interface IVectorTier<TVector>
    where TVector : struct
{
    /// <summary>Bytes in one register.</summary>
    static abstract int ByteCount { get; }

    static abstract TVector Zero { get; }

    static abstract TVector Load(ref byte source, nuint byteOffset);

    static abstract void Store(TVector value, ref byte destination, nuint byteOffset);

    /// <summary>Every <typeparamref name="T"/> lane set to <paramref name="lane"/>.</summary>
    static abstract TVector Create<T>(T lane)
        where T : unmanaged;

    static abstract TVector Or(TVector a, TVector b);

    static abstract TVector And(TVector a, TVector b);

    static abstract TVector Xor(TVector a, TVector b);

    static abstract TVector Add<T>(TVector a, TVector b)
        where T : unmanaged;

    static abstract TVector Subtract<T>(TVector a, TVector b)
        where T : unmanaged;

    static abstract TVector ShiftLeft<T>(TVector value, int bits)
        where T : unmanaged;

    /// <summary>Logical (zero-filling) right shift of each <typeparamref name="T"/> lane.</summary>
    static abstract TVector ShiftRight<T>(TVector value, int bits)
        where T : unmanaged;

    /// <summary>All ones in each <typeparamref name="T"/> lane where the two are equal, zero elsewhere.</summary>
    static abstract TVector Equals<T>(TVector a, TVector b)
        where T : unmanaged;

    /// <summary>Lanes of <paramref name="a"/> where <paramref name="mask"/> is set, of <paramref name="b"/> elsewhere.</summary>
    static abstract TVector Select(TVector mask, TVector a, TVector b);

    static abstract bool IsZero(TVector value);

    static abstract bool IsAllBitsSet(TVector value);

    /// <summary>The top bit of each <typeparamref name="T"/> lane, lane 0 in bit 0.</summary>
    static abstract ulong MostSignificantBits<T>(TVector value)
        where T : unmanaged;

    /// <summary>The low byte of each 16-bit lane of <paramref name="lower"/>, then of <paramref name="upper"/>.</summary>
    static abstract TVector NarrowWords(TVector lower, TVector upper);

    /// <summary>The first half's bytes zero-extended to 16-bit lanes.</summary>
    static abstract TVector WidenLower(TVector value);

    /// <summary>The second half's bytes zero-extended to 16-bit lanes.</summary>
    static abstract TVector WidenUpper(TVector value);

    /// <summary>The 16-byte chunk at <paramref name="index"/> (0 = the lowest bytes).</summary>
    static abstract Vector128<byte> Chunk(TVector value, int index);
}
