using System.Buffers.Binary;
using Mecom.Codecs;

namespace Mecom.Harness.Migration.Protocol;

/// <summary>
/// The <see cref="Wire.Hello"/> payload: magic "MCMG" | version u16 | page size u32 | pages u64 | batch pages u32
/// | reply delay µs u32 | codecs u8 | dictionary bytes u32.
/// </summary>
/// <remarks>
/// Fields are kept as the wire has them (unsigned), so a reader checks a forged value before it can wrap.
/// Version 2 announces how many distinct codecs the frames will name and the largest <see cref="Wire.Dictionary"/>
/// payload to come (0: none), so a target bounds its codec memory and its first message by what the source
/// said it needs, not by what any source might.
/// </remarks>
public readonly record struct HelloMessage(uint PageSize, ulong Pages, uint BatchPages, uint ReplyDelayUs, byte Codecs = 1, uint DictionaryBytes = 0)
{
    public const uint Magic = 0x474D434D; // "MCMG"
    public const ushort Version = 2;
    public const int Bytes = 4 + 2 + 4 + 8 + 4 + 4 + 1 + 4;

    /// <summary>The hello of a source migrating <paramref name="pages"/> pages over a link of <paramref name="replyDelayMs"/> one-way latency.</summary>
    public static HelloMessage For(int pageSize, long pages, int batchPages, double replyDelayMs, int codecs = 1, int dictionaryBytes = 0) =>
        new((uint)pageSize, (ulong)pages, (uint)batchPages, (uint)Math.Round(replyDelayMs * 1000), (byte)codecs, (uint)dictionaryBytes);

    public byte[] ToPayload()
    {
        byte[] p = new byte[Bytes];
        BinaryPrimitives.WriteUInt32LittleEndian(p, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(p.AsSpan(4), Version);
        BinaryPrimitives.WriteUInt32LittleEndian(p.AsSpan(6), PageSize);
        BinaryPrimitives.WriteUInt64LittleEndian(p.AsSpan(10), Pages);
        BinaryPrimitives.WriteUInt32LittleEndian(p.AsSpan(18), BatchPages);
        BinaryPrimitives.WriteUInt32LittleEndian(p.AsSpan(22), ReplyDelayUs);
        p[26] = Codecs;
        BinaryPrimitives.WriteUInt32LittleEndian(p.AsSpan(27), DictionaryBytes);
        return p;
    }

    /// <summary>Reads a hello and checks what it alone can: its size, magic, version and page size. The target checks its limits.</summary>
    public static HelloMessage Read(ReadOnlySpan<byte> payload)
    {
        Wire.Expect(payload, Bytes, "hello");
        if (BinaryPrimitives.ReadUInt32LittleEndian(payload) != Magic)
        {
            throw new WireException("bad hello magic: the peer is not a mecom migration source");
        }

        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(payload[4..]);
        if (version != Version)
        {
            throw new WireException($"protocol version {version} is not supported (this target speaks {Version})");
        }

        uint pageSize = BinaryPrimitives.ReadUInt32LittleEndian(payload[6..]);
        if (pageSize is < 1024 or > PageCodec.MaxPageSize || (pageSize & (pageSize - 1)) != 0)
        {
            throw new WireException($"page size {pageSize} is not a power of two between 1024 and {PageCodec.MaxPageSize}");
        }

        return new HelloMessage(pageSize, BinaryPrimitives.ReadUInt64LittleEndian(payload[10..]),
            BinaryPrimitives.ReadUInt32LittleEndian(payload[18..]), BinaryPrimitives.ReadUInt32LittleEndian(payload[22..]),
            payload[26], BinaryPrimitives.ReadUInt32LittleEndian(payload[27..]));
    }
}

/// <summary>The <see cref="Wire.Challenge"/> payload: u8 1 when a token is required | nonce (<see cref="Wire.NonceBytes"/>).</summary>
public readonly ref struct ChallengeMessage(bool tokenRequired, ReadOnlySpan<byte> nonce)
{
    public const int Bytes = 1 + Wire.NonceBytes;

    public bool TokenRequired { get; } = tokenRequired;

    public ReadOnlySpan<byte> Nonce { get; } = nonce;

    /// <summary>A challenge with a fresh random nonce.</summary>
    public static byte[] NewPayload(bool tokenRequired)
    {
        byte[] p = new byte[Bytes];
        p[0] = (byte)(tokenRequired ? 1 : 0);
        System.Security.Cryptography.RandomNumberGenerator.Fill(p.AsSpan(1));
        return p;
    }

    public static ChallengeMessage Read(ReadOnlySpan<byte> payload)
    {
        Wire.Expect(payload, Bytes, "challenge");
        return new ChallengeMessage(payload[0] == 1, payload[1..]);
    }
}

/// <summary>The <see cref="Wire.RoundEnd"/> payload: round u32.</summary>
public readonly record struct RoundEndMessage(int Round)
{
    public const int Bytes = 4;

    public void Write(Span<byte> payload) => BinaryPrimitives.WriteInt32LittleEndian(payload[..Bytes], Round);

    public static RoundEndMessage Read(ReadOnlySpan<byte> payload) =>
        new(BinaryPrimitives.ReadInt32LittleEndian(Wire.Expect(payload, Bytes, "round end")));
}

/// <summary>The <see cref="Wire.Done"/> payload: pages applied u64 | decode ns u64.</summary>
public readonly record struct DoneMessage(long PagesApplied, long DecodeNs)
{
    public const int Bytes = 16;

    public byte[] ToPayload()
    {
        byte[] p = new byte[Bytes];
        BinaryPrimitives.WriteInt64LittleEndian(p, PagesApplied);
        BinaryPrimitives.WriteInt64LittleEndian(p.AsSpan(8), DecodeNs);
        return p;
    }

    public static DoneMessage Read(ReadOnlySpan<byte> payload)
    {
        Wire.Expect(payload, Bytes, "done");
        return new DoneMessage(BinaryPrimitives.ReadInt64LittleEndian(payload), BinaryPrimitives.ReadInt64LittleEndian(payload[8..]));
    }
}

/// <summary>The <see cref="Wire.Progress"/> payload: bytes received so far u64.</summary>
public readonly record struct ProgressMessage(long BytesReceived)
{
    public const int Bytes = 8;

    public void Write(Span<byte> payload) => BinaryPrimitives.WriteInt64LittleEndian(payload[..Bytes], BytesReceived);

    public static ProgressMessage Read(ReadOnlySpan<byte> payload) =>
        new(BinaryPrimitives.ReadInt64LittleEndian(Wire.Expect(payload, Bytes, "progress report")));
}

/// <summary>The <see cref="Wire.Verdict"/> payload: u8 1 when the target's memory hashes equal to the source's.</summary>
public readonly record struct VerdictMessage(bool Exact)
{
    public const int Bytes = 1;

    public byte[] ToPayload() => [(byte)(Exact ? 1 : 0)];

    public static VerdictMessage Read(ReadOnlySpan<byte> payload) => new(Wire.Expect(payload, Bytes, "verdict")[0] == 1);
}
