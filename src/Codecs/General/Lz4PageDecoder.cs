using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Mecom.Codecs.General;

/// <summary>
/// A bounds-checked decoder of the standard LZ4 block format, for one page. Every length is checked
/// against what remains of the input and of the page before it is used; wide copies run only where the
/// page has the room for their overrun.
/// </summary>
internal static unsafe class Lz4PageDecoder
{
    private const int MinMatch = 4;

    /// <summary>Decodes the block at <paramref name="src"/> into exactly <paramref name="pageLength"/> bytes.</summary>
    /// <returns>Null on success, else what was wrong.</returns>
    public static string? Decompress(byte* src, int srcLength, byte* dst, int pageLength)
    {
        byte* ip = src;
        byte* iEnd = src + srcLength;
        byte* op = dst;
        byte* oEnd = dst + pageLength;
        while (true)
        {
            if (ip >= iEnd)
            {
                return "the block ends inside a sequence";
            }

            uint token = *ip++;
            nuint literals = token >> 4;
            nuint offset;
            if (literals < 15 && iEnd - ip >= 18 && oEnd - op >= 16)
            {
                // The common sequence, as liblz4 decodes it: a short literal run copied as one 16-byte
                // block, and a short match at offset 8 or more as three 8-byte words, with no loops.
                Copy16(ip, op);
                ip += literals;
                op += literals;
                offset = Unsafe.ReadUnaligned<ushort>(ip);
                ip += 2;
                if ((token & 15) < 15 && offset >= 8 && offset <= (nuint)(op - dst) && oEnd - op >= 24)
                {
                    byte* from = op - offset;
                    Unsafe.WriteUnaligned(op, Unsafe.ReadUnaligned<ulong>(from));
                    Unsafe.WriteUnaligned(op + 8, Unsafe.ReadUnaligned<ulong>(from + 8));
                    Unsafe.WriteUnaligned(op + 16, Unsafe.ReadUnaligned<ulong>(from + 16));
                    op += (token & 15) + MinMatch;
                    continue;
                }
            }
            else
            {
                if (literals == 15 && !AddLengthBytes(ref ip, iEnd, ref literals))
                {
                    return "the block ends inside a literal length";
                }

                if (literals > (nuint)(iEnd - ip) || literals > (nuint)(oEnd - op))
                {
                    return "a literal run overruns the block or the page";
                }

                if (literals <= 32 && iEnd - ip >= 32 && oEnd - op >= 32)
                {
                    Copy16(ip, op);
                    Copy16(ip + 16, op + 16);
                }
                else
                {
                    Buffer.MemoryCopy(ip, op, oEnd - op, (long)literals);
                }

                ip += literals;
                op += literals;
                if (ip == iEnd)
                {
                    return op == oEnd ? null : $"decoded {op - dst} bytes, expected {pageLength}";
                }

                if (iEnd - ip < 2)
                {
                    return "the block ends inside an offset";
                }

                offset = Unsafe.ReadUnaligned<ushort>(ip);
                ip += 2;
            }

            if (offset == 0 || offset > (nuint)(op - dst))
            {
                return "a match offset points before the page";
            }

            nuint length = token & 15;
            if (length == 15 && !AddLengthBytes(ref ip, iEnd, ref length))
            {
                return "the block ends inside a match length";
            }

            length += MinMatch;
            nuint room = (nuint)(oEnd - op);
            if (length > room)
            {
                return "a match overruns the page";
            }

            CopyMatch(op, op - offset, length, offset, room);
            op += length;
        }
    }

    /// <summary>A length's extra bytes: each 255 says another follows. False when the block ends first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool AddLengthBytes(ref byte* ip, byte* iEnd, ref nuint length)
    {
        uint more;
        do
        {
            if (ip >= iEnd)
            {
                return false;
            }

            more = *ip++;
            length += more;
        }
        while (more == 255);
        return true;
    }

    /// <summary>
    /// Copies a match forward. An offset of at least 16 (or 8) lets whole blocks move at once, each reading
    /// only bytes already written; shorter offsets repeat a pattern and go byte by byte, and an offset of
    /// one (zero runs) is a fill.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyMatch(byte* op, byte* match, nuint length, nuint offset, nuint room)
    {
        if (offset >= 16 && room >= ((length + 15) & ~(nuint)15))
        {
            byte* end = op + length;
            do
            {
                Copy16(match, op);
                op += 16;
                match += 16;
            }
            while (op < end);
        }
        else if (offset >= 8 && room >= ((length + 7) & ~(nuint)7))
        {
            byte* end = op + length;
            do
            {
                Unsafe.WriteUnaligned(op, Unsafe.ReadUnaligned<ulong>(match));
                op += 8;
                match += 8;
            }
            while (op < end);
        }
        else if (offset == 1)
        {
            new Span<byte>(op, (int)length).Fill(*match);
        }
        else
        {
            for (nuint i = 0; i < length; i++)
            {
                op[i] = match[i];
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Copy16(byte* from, byte* to)
    {
        if (Vector128.IsHardwareAccelerated)
        {
            Vector128.Store(Vector128.Load(from), to);
        }
        else
        {
            Unsafe.WriteUnaligned(to, Unsafe.ReadUnaligned<ulong>(from));
            Unsafe.WriteUnaligned(to + 8, Unsafe.ReadUnaligned<ulong>(from + 8));
        }
    }
}
