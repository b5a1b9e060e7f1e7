using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Mecom.Codecs.General;

/// <summary>
/// LZ4 fast (acceleration 1) over one page, writing the standard LZ4 block format. The parse is LZ4's
/// own (skip trigger 6, backward catch-up, the two-position refill after each match), so the output is
/// as small as liblz4's; what differs is what a page does not need: positions are 16-bit, the table is
/// small, and it is never cleared per call (see <see cref="Lz4PageCodec"/>).
/// </summary>
internal static unsafe class Lz4PageEncoder
{
    // The format's limits (a match is at least 4 bytes; the last 12 bytes start no match, the last 5 are
    // literals) and LZ4 fast's skip trigger: what keeps the parse, and so the ratio, liblz4's.
    private const int MinMatch = 4, MfLimit = 12, LastLiterals = 5, SkipTrigger = 6, RunMask = 15;

    /// <summary>4096 entries: a 4 KiB page has at most that many positions, and the table stays in L1.</summary>
    public const int HashBits = 12;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Read32(byte* p) => Unsafe.ReadUnaligned<uint>(p);

    public const int TableEntries = 1 << HashBits;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Hash(uint sequence) => (sequence * 2654435761u) >> (32 - HashBits);

    /// <summary>
    /// Compresses <paramref name="length"/> bytes at <paramref name="src"/>. Table entries are
    /// <paramref name="tableBase"/> + position; smaller ones are left from earlier calls and mean "empty".
    /// </summary>
    /// <returns>Bytes written, or -1 when the block would exceed <paramref name="limit"/> bytes.</returns>
    /// <param name="capacity">Bytes writable at <paramref name="dst"/> (at least <paramref name="limit"/>): the room wide copies may overrun into.</param>
    public static int Compress(byte* src, int length, byte* dst, int limit, int capacity, ushort* table, int tableBase)
    {
        // Every limit is an offset from iEnd or dst, recomputed where used: fewer values live across the
        // loop means fewer spilled to the stack (the JIT has 14 registers for them).
        byte* op = dst;
        byte* anchor = src;
        byte* iEnd = src + length;
        if (length >= MfLimit + 1)
        {
            nint bias = tableBase - (nint)src;
            table[Hash(Read32(src))] = (ushort)tableBase;
            byte* ip = src + 1;
            while (true)
            {
                // Both positions come back in one register: an out pointer made the JIT keep the match in
                // memory, loaded and stored on every step of the catch-up below.
                long found = FindMatch(src, ip, iEnd - MfLimit + 1, table, tableBase);
                if (found < 0)
                {
                    break;
                }

                ip = src + (uint)found;
                byte* match = src + (found >> 32);

                while (ip > anchor && match > src && ip[-1] == match[-1])
                {
                    ip--;
                    match--;
                }

                uint literals = (uint)(ip - anchor);
                byte* token = op++;
                if (op + literals + (2 + 1 + LastLiterals) + literals / 255 > dst + limit)
                {
                    return -1;
                }

                *token = (byte)(Math.Min(literals, RunMask) << 4);
                if (literals >= RunMask)
                {
                    op = WriteExtraLength(op, literals - RunMask);
                }

                CopyLiterals(op, anchor, literals, dst + capacity, iEnd - LastLiterals);
                op += literals;

                while (true)
                {
                    // One sequence's match: offset, then the length in the token's low nibble.
                    Unsafe.WriteUnaligned(op, (ushort)(ip - match));
                    op += 2;
                    uint matchLength = (uint)Lz4PageMatch.Count(ip + MinMatch, match + MinMatch, iEnd - LastLiterals);
                    ip += MinMatch + matchLength;
                    if (op + (1 + LastLiterals) + (matchLength + 240) / 255 > dst + limit)
                    {
                        return -1;
                    }

                    *token += (byte)Math.Min(matchLength, RunMask);
                    if (matchLength >= RunMask)
                    {
                        op = WriteExtraLength(op, matchLength - RunMask);
                    }

                    anchor = ip;
                    if (ip >= iEnd - MfLimit)
                    {
                        goto LastRun;
                    }

                    table[Hash(Read32(ip - 2))] = (ushort)((nint)(ip - 2) + bias);

                    // A match right after a match costs no literal token: test it before searching again.
                    uint h = Hash(Read32(ip));
                    int entry = table[h] - tableBase;
                    table[h] = (ushort)((nint)ip + bias);
                    if (entry < 0 || Read32(src + entry) != Read32(ip))
                    {
                        break;
                    }

                    match = src + entry;
                    token = op++;
                    *token = 0;
                }

                ip++;
            }
        }

    LastRun:
        uint lastRun = (uint)(iEnd - anchor);
        if (op + lastRun + 1 + (lastRun + 255 - RunMask) / 255 > dst + limit)
        {
            return -1;
        }

        *op++ = (byte)(Math.Min(lastRun, RunMask) << 4);
        if (lastRun >= RunMask)
        {
            op = WriteExtraLength(op, lastRun - RunMask);
        }

        Buffer.MemoryCopy(anchor, op, dst + capacity - op, lastRun);
        op += lastRun;
        return (int)(op - dst);
    }

    /// <summary>A length's bytes after its nibble: 255 for each 255 more, then the rest.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte* WriteExtraLength(byte* op, uint rest)
    {
        for (; rest >= 255; rest -= 255)
        {
            *op++ = 255;
        }

        *op++ = (byte)rest;
        return op;
    }

    /// <summary>
    /// The next position from <paramref name="ip"/> on whose first four bytes match an earlier position:
    /// the match's offset in the high half, that position's in the low half, both from
    /// <paramref name="src"/>; -1 when the search passed the last position a match may start at.
    /// The step grows by one every 64 misses, so noise is skimmed, not parsed.
    /// </summary>
    /// <remarks>
    /// Not inlined on purpose: alone, the probe loop's dozen values stay in registers; inlined into the
    /// sequence writer, the JIT spilled three of them to the stack on every probe.
    /// </remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long FindMatch(byte* src, byte* ip, byte* mfLimitPlusOne, ushort* table, int tableBase)
    {
        // Only ip, its hash and the miss count are carried from probe to probe, so the JIT keeps them in
        // registers without the shuffling a separate forward pointer and step cost. Probe k steps
        // max(1, (63 + k) / 64) bytes, as liblz4's two counters do.
        nint bias = tableBase - (nint)src;
        uint h = Hash(Read32(ip));
        uint misses = 63;
        while (true)
        {
            byte* next = ip + Math.Max(1u, misses >> SkipTrigger);
            misses++;
            if (next > mfLimitPlusOne)
            {
                return -1;
            }

            int entry = table[h] - tableBase;
            table[h] = (ushort)((nint)ip + bias);
            uint nextHash = Hash(Read32(next));
            if (entry >= 0 && Read32(src + entry) == Read32(ip))
            {
                return ((long)entry << 32) | (uint)(ip - src);
            }

            ip = next;
            h = nextHash;
        }
    }

    /// <summary>
    /// Literal runs are mostly short: whole 32-byte blocks when both buffers have the room past the run
    /// (the overrun is rewritten by what follows), a counted copy near either end.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyLiterals(byte* op, byte* from, uint count, byte* oEnd, byte* iEnd)
    {
        if (op + count + 32 <= oEnd && from + count + 32 <= iEnd)
        {
            byte* end = op + count;
            do
            {
                Copy32(from, op);
                op += 32;
                from += 32;
            }
            while (op < end);
        }
        else
        {
            Buffer.MemoryCopy(from, op, oEnd - op, count);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Copy32(byte* from, byte* to)
    {
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256.Store(Vector256.Load(from), to);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            Vector128.Store(Vector128.Load(from), to);
            Vector128.Store(Vector128.Load(from + 16), to + 16);
        }
        else
        {
            Unsafe.WriteUnaligned(to, Unsafe.ReadUnaligned<ulong>(from));
            Unsafe.WriteUnaligned(to + 8, Unsafe.ReadUnaligned<ulong>(from + 8));
            Unsafe.WriteUnaligned(to + 16, Unsafe.ReadUnaligned<ulong>(from + 16));
            Unsafe.WriteUnaligned(to + 24, Unsafe.ReadUnaligned<ulong>(from + 24));
        }
    }
}
