using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Mecom.Harness.Migration.Protocol;

/// <summary>
/// What both sides derive from the token and the two nonces once the handshake has proved each holds the
/// token: a key per direction (HKDF-SHA256), with which every later message carries a trailer of its
/// sequence number (u64) and an HMAC-SHA256 over sequence number, type, length and payload.
/// </summary>
/// <remarks>
/// Only the hello was authenticated before: every frame after it could be altered or injected on the
/// path. The sequence number is sent as well as MACed so that a receiver can say what happened: a tag
/// that does not verify is an altered or injected message, a verified one with an old number a replay,
/// with a later number a reordering (or a dropped message).
/// </remarks>
public sealed class MessageMac : IDisposable
{
    /// <summary>What each authenticated message carries after its payload.</summary>
    public const int TrailerBytes = 8 + TagBytes;

    private const int TagBytes = 32;
    private readonly IncrementalHash send;
    private readonly IncrementalHash receive;
    private ulong sent;
    private ulong received;

    private MessageMac(byte[] sendKey, byte[] receiveKey)
    {
        send = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, sendKey);
        receive = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, receiveKey);
        CryptographicOperations.ZeroMemory(sendKey);
        CryptographicOperations.ZeroMemory(receiveKey);
    }

    /// <summary>The keys of one side: <paramref name="source"/> sends with the source-to-target key.</summary>
    public static MessageMac For(bool source, string token, ReadOnlySpan<byte> targetNonce, ReadOnlySpan<byte> sourceNonce)
    {
        byte[] salt = [.. targetNonce, .. sourceNonce];
        byte[] toTarget = Key(token, salt, "mecom-migrate-v2 source to target");
        byte[] toSource = Key(token, salt, "mecom-migrate-v2 target to source");
        return source ? new MessageMac(toTarget, toSource) : new MessageMac(toSource, toTarget);
    }

    private static byte[] Key(string token, byte[] salt, string info) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(token), 32, salt, Encoding.ASCII.GetBytes(info));

    /// <summary>Writes the next message's trailer (callers serialise: messages are numbered in the order signed).</summary>
    public void Sign(byte type, ReadOnlySpan<byte> payload, Span<byte> trailer)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(trailer, sent);
        Tag(send, sent, type, payload, trailer[8..TrailerBytes]);
        sent++;
    }

    /// <summary>
    /// Checks the trailer at the end of <paramref name="message"/> and returns the payload's length, or a
    /// <see cref="WireException"/> saying whether the message was altered or injected, replayed, or out of order.
    /// </summary>
    public int Verify(byte type, ReadOnlySpan<byte> message)
    {
        if (message.Length < TrailerBytes)
        {
            throw new WireException($"message {received} (type 0x{type:x2}) has {message.Length} bytes, too few for its authentication trailer: injected or cut on the path");
        }

        ReadOnlySpan<byte> payload = message[..^TrailerBytes];
        ReadOnlySpan<byte> trailer = message[^TrailerBytes..];
        ulong number = BinaryPrimitives.ReadUInt64LittleEndian(trailer);
        Span<byte> expected = stackalloc byte[TagBytes];
        Tag(receive, number, type, payload, expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, trailer[8..]))
        {
            throw new WireException($"message {received} (type 0x{type:x2}, {payload.Length} bytes) failed authentication: altered or injected on the path");
        }

        if (number != received)
        {
            throw new WireException(number < received
                ? $"message {received} (type 0x{type:x2}) is a replay of message {number}"
                : $"message {received} (type 0x{type:x2}) arrived out of order: it is message {number} (reordered or dropped on the path)");
        }

        received++;
        return payload.Length;
    }

    private static void Tag(IncrementalHash hmac, ulong number, byte type, ReadOnlySpan<byte> payload, Span<byte> tag)
    {
        Span<byte> head = stackalloc byte[8 + 1 + 4];
        BinaryPrimitives.WriteUInt64LittleEndian(head, number);
        head[8] = type;
        BinaryPrimitives.WriteUInt32LittleEndian(head[9..], (uint)payload.Length);
        hmac.AppendData(head);
        hmac.AppendData(payload);
        hmac.GetHashAndReset(tag);
    }

    public void Dispose()
    {
        send.Dispose();
        receive.Dispose();
    }
}
