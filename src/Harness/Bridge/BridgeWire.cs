using System.Buffers.Binary;

namespace Mecom.Harness.Bridge;

/// <summary>What a message between the bridges carries.</summary>
public enum BridgeMessage : byte
{
    /// <summary>The source QEMU opened a connection: the target bridge opens one to the target QEMU, in the same order.</summary>
    Open = 1,

    /// <summary>Stream bytes, verbatim (forward: from the source QEMU; reverse: from the target QEMU).</summary>
    Raw = 2,

    /// <summary>Normal pages: per page the stream bytes before it (be32 length, bytes), then one batch frame of the pages.</summary>
    Pages = 3,

    /// <summary>The source QEMU closed: be64 stream length, 16-byte XXH128 of the stream, then a UTF-8 note (an error, or empty).</summary>
    Close = 4,

    /// <summary>Reverse: what the target QEMU read, be64 length and XXH128, then a UTF-8 note (an error, or empty).</summary>
    Result = 5,
}

/// <summary>
/// The bridges' own framing, one TCP connection for every QEMU connection of a migration (they share one
/// emulated link): u8 type, be32 channel, be64 offset, be32 length, then the payload. The offset is where
/// the message's stream bytes begin in its connection's stream, so the target bridge notices a message
/// lost, repeated or reordered before it forwards a byte of it. Its own framing for now, while the
/// migration wire of Protocol/ is being reworked; lengths are checked before anything is allocated.
/// </summary>
public static class BridgeWire
{
    public const int HeaderBytes = 17;

    /// <summary>A batch frame of 512 pages raw, with its prefixes, fits; no message needs more.</summary>
    public const int MaxPayload = 4 << 20;

    /// <summary>Most QEMU connections a migration opens through the bridges (main plus multifd channels).</summary>
    public const int MaxChannels = 64;

    public static void WriteHeader(Span<byte> header, BridgeMessage type, int channel, long offset, int length)
    {
        header[0] = (byte)type;
        BinaryPrimitives.WriteInt32BigEndian(header[1..], channel);
        BinaryPrimitives.WriteInt64BigEndian(header[5..], offset);
        BinaryPrimitives.WriteInt32BigEndian(header[13..], length);
    }

    /// <summary>A whole message, header and payload, in one array: the unit the link carries.</summary>
    public static byte[] Message(BridgeMessage type, int channel, long offset, ReadOnlySpan<byte> payload)
    {
        byte[] message = new byte[HeaderBytes + payload.Length];
        WriteHeader(message, type, channel, offset, payload.Length);
        payload.CopyTo(message.AsSpan(HeaderBytes));
        return message;
    }

    /// <summary>Reads one message; null at a clean end of the connection (between messages).</summary>
    public static (BridgeMessage Type, int Channel, long Offset, byte[] Payload)? Read(Stream input)
    {
        byte[] header = new byte[HeaderBytes];
        int got = 0;
        while (got < HeaderBytes)
        {
            int n = input.Read(header, got, HeaderBytes - got);
            if (n == 0)
            {
                return got == 0 ? null : throw new BridgeWireException($"the connection ended inside a message header ({got} of {HeaderBytes} bytes)");
            }

            got += n;
        }

        var type = (BridgeMessage)header[0];
        int channel = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(1));
        long offset = BinaryPrimitives.ReadInt64BigEndian(header.AsSpan(5));
        int length = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(13));
        if (type is < BridgeMessage.Open or > BridgeMessage.Result)
        {
            throw new BridgeWireException($"message type {header[0]} is not one the bridges send");
        }

        if (channel is < 0 or >= MaxChannels || length is < 0 or > MaxPayload || offset < 0)
        {
            throw new BridgeWireException($"a {type} message for channel {channel} of {length} bytes is outside the limits ({MaxChannels} channels, {MaxPayload} bytes)");
        }

        byte[] payload = new byte[length];
        try
        {
            input.ReadExactly(payload);
        }
        catch (EndOfStreamException)
        {
            throw new BridgeWireException($"the connection ended inside a {type} message of {length} bytes");
        }

        return (type, channel, offset, payload);
    }

    /// <summary>A Close or Result payload: length, hash, note.</summary>
    public static byte[] Summary(long length, UInt128 hash, string? note)
    {
        byte[] text = System.Text.Encoding.UTF8.GetBytes(note ?? "");
        byte[] payload = new byte[24 + Math.Min(text.Length, 1024)];
        BinaryPrimitives.WriteInt64BigEndian(payload, length);
        BinaryPrimitives.WriteUInt128BigEndian(payload.AsSpan(8), hash);
        text.AsSpan(0, payload.Length - 24).CopyTo(payload.AsSpan(24));
        return payload;
    }

    public static (long Length, UInt128 Hash, string? Note) ReadSummary(byte[] payload)
    {
        if (payload.Length < 24)
        {
            throw new BridgeWireException($"a summary of {payload.Length} bytes is shorter than 24");
        }

        string note = System.Text.Encoding.UTF8.GetString(payload, 24, payload.Length - 24);
        return (BinaryPrimitives.ReadInt64BigEndian(payload), BinaryPrimitives.ReadUInt128BigEndian(payload.AsSpan(8)), note.Length == 0 ? null : note);
    }
}

/// <summary>A message between the bridges that breaks the framing or its limits: the session ends, naming it.</summary>
public sealed class BridgeWireException(string message) : Exception(message);
