using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Mecom.Harness.Migration.Protocol;

/// <summary>
/// The migration connection's messages: type u8 | payload length u32 (little-endian) | payload.
/// </summary>
/// <remarks>
/// Each payload's layout is read and written in one place: <see cref="HelloMessage"/>, <see cref="ChallengeMessage"/>,
/// <see cref="RoundEndMessage"/>, <see cref="DoneMessage"/>, <see cref="ProgressMessage"/>, <see cref="VerdictMessage"/>,
/// <see cref="Codecs.Framing.BatchFrame"/>.
/// First the <see cref="Handshake"/>: <c>Challenge</c>, <c>Auth</c>, <c>AuthOk</c>, each side proving the token
/// when there is one; then, with a token, every message carries a <see cref="MessageMac"/> trailer.
/// Source to target: <c>Hello</c> (<see cref="HelloMessage"/>: magic "MCMG", version u16, page size u32, pages u64,
/// batch pages u32, reply delay µs u32, codecs u8, dictionary bytes u32), <c>Dictionary</c> (at most once, before the first frame: a
/// <see cref="Codecs.General.RawDictionary.Pack"/>ed dictionary that frames naming <c>zstd-dict:L@id</c> need),
/// <c>Frame</c> (a <see cref="Codecs.Framing.BatchFrame"/>), <c>RoundEnd</c> (round u32:
/// the target applies every frame before it, before any after it), <c>Finish</c> (no payload: the guest is
/// paused and everything is sent), <c>Check</c> (XXH128 of the source's final memory, sent after Done so
/// hashing 2 GiB is not counted as downtime). Target to source: <c>Done</c> (pages applied u64, decode ns u64; every page verified),
/// <c>Verdict</c> (u8 1 when the target's memory hashes equal to the source's), <c>Error</c> (UTF-8 text),
/// and every <see cref="ProgressIntervalMs"/> <c>Progress</c> (u64 bytes received so far): a target that
/// is alive but receives nothing more is told apart from one that is busy.
/// A reader takes a payload length only up to the limit its state allows, so a forged length allocates nothing.
/// </remarks>
public static class Wire
{
    public const byte Hello = 1;
    public const byte Frame = 2;
    public const byte RoundEnd = 3;
    public const byte Finish = 4;
    public const byte Check = 5;
    public const byte Challenge = 6;
    public const byte Auth = 7;
    public const byte Dictionary = 8;
    public const byte AuthOk = 9;

    /// <summary>The largest <see cref="Dictionary"/> payload: the largest dictionary, packed, however badly it compresses.</summary>
    public static readonly int MaxDictionaryPayload = DictionaryPayloadBound(Codecs.General.RawDictionary.MaxBytes);
    public const int NonceBytes = 32;

    /// <summary>The default hard ceiling on one message (<see cref="Emulator.TargetLimits.MaxFrameBytes"/>).</summary>
    public const int MaxFrameBytes = 64 << 20;

    private static readonly string LongestCodecName = new('x', Codecs.Framing.FrameBuilder.MaxCodecName);

    /// <summary>
    /// The largest frame of <paramref name="pages"/> pages of <paramref name="pageSize"/> bytes (every page raw,
    /// the longest codec name), in checked 64-bit arithmetic: both sizes may come from a peer.
    /// </summary>
    public static long FrameLimit(long pageSize, long pages) => Codecs.Framing.BatchFrame.MaxBytes(LongestCodecName, pageSize, pages);

    /// <summary>The largest <see cref="Dictionary"/> payload a dictionary of <paramref name="dictionaryBytes"/> packs to.</summary>
    public static int DictionaryPayloadBound(int dictionaryBytes) => 4 + ZstdSharp.Compressor.GetCompressBound(dictionaryBytes);
    public const byte Done = 0x81;
    public const byte Verdict = 0x82;
    public const byte Progress = 0x83;

    /// <summary>How often a target reports the bytes it has received, so a source can tell a slow target from a stuck link.</summary>
    public const int ProgressIntervalMs = 500;
    public const byte Error = 0xEE;

    /// <summary>Every message's header: type u8, payload length u32.</summary>
    public const int HeaderBytes = 1 + 4;

    /// <summary>A <see cref="Check"/>'s payload: the XXH128 of the source's memory.</summary>
    public const int CheckBytes = 16;

    /// <summary>A message's bytes on the connection, its header included.</summary>
    public static long MessageBytes(long payloadBytes) => HeaderBytes + payloadBytes;

    /// <summary>A fixed-size payload checked before it is read, or a <see cref="WireException"/> naming the message.</summary>
    public static ReadOnlySpan<byte> Expect(ReadOnlySpan<byte> payload, int bytes, string message) => payload.Length == bytes
        ? payload
        : throw new WireException($"a {message} is {bytes} bytes, this one {payload.Length}");

    /// <summary>Writes one message to <paramref name="sink"/>; with <paramref name="mac"/>, followed by its authentication trailer.</summary>
    public static void Write(Action<ReadOnlySpan<byte>> sink, byte type, ReadOnlySpan<byte> payload, MessageMac? mac = null)
    {
        Span<byte> head = stackalloc byte[HeaderBytes];
        Span<byte> trailer = stackalloc byte[MessageMac.TrailerBytes];
        head[0] = type;
        BinaryPrimitives.WriteUInt32LittleEndian(head[1..], (uint)(payload.Length + (mac is null ? 0 : MessageMac.TrailerBytes)));
        sink(head);
        if (!payload.IsEmpty)
        {
            sink(payload);
        }

        if (mac is not null)
        {
            mac.Sign(type, payload, trailer);
            sink(trailer);
        }
    }

    /// <summary>Writes one message, authenticated when the connection's handshake set a <see cref="CountingStream.Mac"/>.</summary>
    public static void Write(Stream stream, byte type, ReadOnlySpan<byte> payload)
    {
        if (stream is CountingStream shared)
        {
            // Whole messages only, numbered in the order they go out: the target's progress reports come from a timer thread.
            lock (shared.WriteLock)
            {
                Write(stream.Write, type, payload, shared.Mac);
                stream.Flush();
            }

            return;
        }

        Write(stream.Write, type, payload);
        stream.Flush();
    }

    /// <summary>The longest <see cref="Error"/> payload: 2,000 characters of UTF-8.</summary>
    public const int MaxErrorBytes = 2000 * 3;

    public static void WriteError(Stream stream, string message)
    {
        byte[] text = Encoding.UTF8.GetBytes(message.Length > 2000 ? message[..2000] : message);
        Write(stream, Error, text);
    }

    /// <summary>
    /// Reads one message into a pooled buffer (return it with <see cref="ArrayPool{T}.Shared"/>). False at a
    /// clean end of stream before a message starts. On a connection with a <see cref="CountingStream.Mac"/>
    /// the message's trailer is verified (and not counted in <paramref name="length"/>).
    /// </summary>
    public static bool TryRead(Stream stream, int maxPayload, out byte type, out byte[] buffer, out int length)
    {
        Span<byte> head = stackalloc byte[HeaderBytes];
        int got = ReadAtMost(stream, head);
        buffer = [];
        length = 0;
        type = 0;
        if (got == 0)
        {
            return false;
        }

        if (got < head.Length)
        {
            throw new WireException($"the connection ended inside a message header ({got} of {HeaderBytes} bytes)");
        }

        type = head[0];
        uint claimed = BinaryPrimitives.ReadUInt32LittleEndian(head[1..]);
        MessageMac? mac = (stream as CountingStream)?.Mac;
        long allowed = (long)maxPayload + (mac is null ? 0 : MessageMac.TrailerBytes);
        if (claimed > allowed)
        {
            throw new WireException($"message type 0x{type:x2} claims {claimed} payload bytes; at most {allowed} are allowed here");
        }

        length = (int)claimed;
        buffer = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        int read = ReadAtMost(stream, buffer.AsSpan(0, length));
        if (read < length)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw new WireException($"the connection ended inside a message of type 0x{type:x2} ({read} of {length} bytes)");
        }

        if (mac is not null)
        {
            try
            {
                length = mac.Verify(type, buffer.AsSpan(0, length));
            }
            catch
            {
                ArrayPool<byte>.Shared.Return(buffer);
                throw;
            }
        }

        return true;
    }

    private static int ReadAtMost(Stream stream, Span<byte> buffer)
    {
        int total = 0;
        int read;
        while (total < buffer.Length && (read = stream.Read(buffer[total..])) > 0)
        {
            total += read;
        }

        return total;
    }
}

/// <summary>A connection that broke the migration protocol or ended early: says what happened.</summary>
public sealed class WireException(string message, Exception? inner = null) : IOException(message, inner);
