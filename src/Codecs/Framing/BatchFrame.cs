using System.Buffers.Binary;
using System.Text;
using Mecom.Codecs.Hashing;

namespace Mecom.Codecs.Framing;

/// <summary>
/// The batch frame: what the source sends for a batch of pages and the target checks before trusting it.
/// </summary>
/// <remarks>
/// All integers little-endian.
/// <code>
/// header:  magic "MCBF" (4) | version u16 = 1 | name length u8 | codec name (ASCII, canonical, e.g. "mecom:0")
///          | page size u32 | page count u32 | record bytes u32 (everything after the header)
/// record:  page index u64 | kind u8 (0 raw, 1 compressed by the frame's codec, 2 XBZRLE delta) | length u32
///          | XXH3-64 of the original page seeded by its index (u64, <see cref="PageHash.Of(ReadOnlySpan{byte}, long)"/>)
///          | payload (length bytes)
/// </code>
/// A raw record's length is the page size. A delta record (<see cref="Delta.XbzrleDelta"/>) is applied to
/// the target's current copy of the page, which is the version sent before: frames touching the same page
/// must be decoded in the order they were sent. The reader checks every length against what remains before
/// using it, the page index against the target memory, and every decoded page against its hash, so a
/// truncated, bit-flipped or forged frame fails with <see cref="FrameFormatException"/>,
/// <see cref="CorruptPageException"/> or <see cref="PageMismatchException"/> naming the page, and never
/// writes outside the target memory or leaves a wrong page unreported.
/// </remarks>
public static class BatchFrame
{
    public const uint Magic = 0x4642434D; // "MCBF"
    public const ushort Version = 1;
    public const int RecordHeaderBytes = RecordHashOffset + 8;

    /// <summary>Where a record's kind and length lie from its start, for errors that name the byte.</summary>
    public const int RecordKindOffset = 8;

    public const int RecordLengthOffset = RecordKindOffset + 1;

    private const int RecordHashOffset = RecordLengthOffset + 4;
    public const byte KindRaw = 0;
    public const byte KindCompressed = 1;
    public const byte KindDelta = 2;

    /// <summary>Largest frame a writer produces for <paramref name="pages"/> pages: every page raw.</summary>
    /// <remarks>
    /// 64-bit and checked: from a peer's page size and batch, 32768 x 65536 once wrapped an <c>int</c> negative
    /// (a target then accepted any length) and 65536 x 65536 wrapped it small (a real source's frames refused).
    /// </remarks>
    public static long MaxBytes(string codec, long pageSize, long pages) =>
        checked(HeaderBytes(codec) + pages * (RecordHeaderBytes + pageSize));

    public static int HeaderBytes(string codec) => 4 + 2 + 1 + codec.Length + 4 + 4 + 4;

    internal static int WriteHeader(Span<byte> frame, string codec, int pageSize, int pages, int recordBytes)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(frame, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(frame[4..], Version);
        frame[6] = (byte)codec.Length;
        Encoding.ASCII.GetBytes(codec, frame[7..]);
        int at = 7 + codec.Length;
        BinaryPrimitives.WriteUInt32LittleEndian(frame[at..], (uint)pageSize);
        BinaryPrimitives.WriteUInt32LittleEndian(frame[(at + 4)..], (uint)pages);
        BinaryPrimitives.WriteUInt32LittleEndian(frame[(at + 8)..], (uint)recordBytes);
        return at + 12;
    }

    /// <summary>What a record's header says, before any of it is checked against the frame or the target.</summary>
    public readonly record struct RecordHeader(ulong Index, byte Kind, uint Length, ulong Hash);

    internal static void WriteRecordHeader(Span<byte> record, long index, PageFate fate, ulong hash)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(record, (ulong)index);
        record[RecordKindOffset] = fate.Kind;
        BinaryPrimitives.WriteUInt32LittleEndian(record[RecordLengthOffset..], (uint)fate.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(record[RecordHashOffset..], hash);
    }

    /// <summary>Reads the header of record <paramref name="record"/> of <paramref name="records"/>, which starts at <paramref name="at"/>.</summary>
    public static RecordHeader ReadRecordHeader(ReadOnlySpan<byte> frame, int at, int record, int records)
    {
        if ((long)frame.Length - at < RecordHeaderBytes)
        {
            throw new FrameFormatException(at, $"record {record} of {records}: truncated record header");
        }

        ReadOnlySpan<byte> head = frame.Slice(at, RecordHeaderBytes);
        return new RecordHeader(
            BinaryPrimitives.ReadUInt64LittleEndian(head),
            head[RecordKindOffset],
            BinaryPrimitives.ReadUInt32LittleEndian(head[RecordLengthOffset..]),
            BinaryPrimitives.ReadUInt64LittleEndian(head[RecordHashOffset..]));
    }

    /// <summary>What a frame's header says, checked for internal consistency.</summary>
    public readonly record struct Header(string Codec, int PageSize, int Pages, int RecordBytes, int Length);

    public static Header ReadHeader(ReadOnlySpan<byte> frame)
    {
        if (frame.Length < 7)
        {
            throw new FrameFormatException(frame.Length, $"frame of {frame.Length} bytes is shorter than a header");
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(frame) != Magic)
        {
            throw new FrameFormatException(0, "bad magic: not a batch frame");
        }

        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(frame[4..]);
        if (version != Version)
        {
            throw new FrameFormatException(4, $"version {version} is not supported (this reader knows {Version})");
        }

        int nameLength = frame[6];
        int at = 7 + nameLength;
        if (nameLength == 0 || frame.Length < at + 12)
        {
            throw new FrameFormatException(6, "the header is truncated or names no codec");
        }

        string codec = Encoding.ASCII.GetString(frame.Slice(7, nameLength));
        uint pageSize = BinaryPrimitives.ReadUInt32LittleEndian(frame[at..]);
        uint pages = BinaryPrimitives.ReadUInt32LittleEndian(frame[(at + 4)..]);
        uint recordBytes = BinaryPrimitives.ReadUInt32LittleEndian(frame[(at + 8)..]);
        if (pageSize is < 1024 or > PageCodec.MaxPageSize || (pageSize & (pageSize - 1)) != 0)
        {
            throw new FrameFormatException(at, $"page size {pageSize} is not a power of two between 1024 and {PageCodec.MaxPageSize}");
        }

        // Every record needs at least its header: a count the bytes cannot hold is refused before use.
        long remaining = frame.Length - (at + 12);
        if (recordBytes != remaining)
        {
            throw new FrameFormatException(at + 8, $"the header promises {recordBytes} record bytes, the frame holds {remaining}");
        }

        if (pages > recordBytes / RecordHeaderBytes)
        {
            throw new FrameFormatException(at + 4, $"{pages} pages cannot fit in {recordBytes} record bytes");
        }

        return new Header(codec, (int)pageSize, (int)pages, (int)recordBytes, at + 12);
    }
}

/// <summary>A batch frame that breaks its format: says where and what.</summary>
public sealed class FrameFormatException(long offset, string problem)
    : Exception($"batch frame: at byte {offset}: {problem}")
{
    public long Offset { get; } = offset;
}
