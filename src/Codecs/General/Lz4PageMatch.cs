using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Mecom.Codecs.General;

/// <summary>
/// How far two positions of a page agree: the match extension of <see cref="Lz4PageEncoder"/>. One method
/// per vector width and a scalar twin; every one returns the same count.
/// </summary>
internal static unsafe class Lz4PageMatch
{
    /// <summary>
    /// The number of equal bytes at <paramref name="ip"/> and <paramref name="match"/>, stopping at
    /// <paramref name="limit"/> (which only <paramref name="ip"/> approaches: <paramref name="match"/> is behind it).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Count(byte* ip, byte* match, byte* limit)
    {
        // Most matches end within 8 bytes: one word compare decides them before any vector is loaded.
        if (ip + 8 <= limit)
        {
            ulong diff = Unsafe.ReadUnaligned<ulong>(ip) ^ Unsafe.ReadUnaligned<ulong>(match);
            if (diff != 0)
            {
                return BitOperations.TrailingZeroCount(diff) >> 3;
            }

            int head = 8 + (Vector256.IsHardwareAccelerated ? CountVector256(ip + 8, match + 8, limit)
                : Vector128.IsHardwareAccelerated ? CountVector128(ip + 8, match + 8, limit)
                : CountScalar(ip + 8, match + 8, limit));
            return head;
        }

        return CountScalar(ip, match, limit);
    }

    /// <summary>The scalar twin: eight bytes at a time, then the tail byte by byte.</summary>
    public static int CountScalar(byte* ip, byte* match, byte* limit)
    {
        byte* start = ip;
        while (ip + 8 <= limit)
        {
            ulong diff = Unsafe.ReadUnaligned<ulong>(ip) ^ Unsafe.ReadUnaligned<ulong>(match);
            if (diff != 0)
            {
                return (int)(ip - start) + (BitOperations.TrailingZeroCount(diff) >> 3);
            }

            ip += 8;
            match += 8;
        }

        return (int)(ip - start) + CountTail(ip, match, limit);
    }

    public static int CountVector128(byte* ip, byte* match, byte* limit) => CountBlocks(ip, match, limit, 16);

    public static int CountVector256(byte* ip, byte* match, byte* limit) => CountBlocks(ip, match, limit, 32);

    public static int CountVector512(byte* ip, byte* match, byte* limit) => CountBlocks(ip, match, limit, 64);

    /// <summary>
    /// One loop for every width: <paramref name="width"/> is a constant at each caller, so the JIT keeps only
    /// that width's compare. Which byte differs first is the lowest bit of the inverted equality mask.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int CountBlocks(byte* ip, byte* match, byte* limit, int width)
    {
        byte* start = ip;
        while (ip + width <= limit)
        {
            ulong differ = width switch
            {
                64 => ~Vector512.Equals(Vector512.Load(ip), Vector512.Load(match)).ExtractMostSignificantBits(),
                32 => ~Vector256.Equals(Vector256.Load(ip), Vector256.Load(match)).ExtractMostSignificantBits(),
                _ => ~Vector128.Equals(Vector128.Load(ip), Vector128.Load(match)).ExtractMostSignificantBits() & 0xFFFF,
            };
            if (differ != 0)
            {
                return (int)(ip - start) + BitOperations.TrailingZeroCount(differ);
            }

            ip += width;
            match += width;
        }

        return (int)(ip - start) + CountScalar(ip, match, limit);
    }

    private static int CountTail(byte* ip, byte* match, byte* limit)
    {
        int n = 0;
        while (ip + n < limit && ip[n] == match[n])
        {
            n++;
        }

        return n;
    }
}
