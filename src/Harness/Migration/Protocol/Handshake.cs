using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace Mecom.Harness.Migration.Protocol;

/// <summary>
/// Mutual authentication before the hello. Target: <c>Challenge</c> (token required u8 | nonce Nt).
/// Source: <c>Auth</c> (has token u8 | nonce Ns | with a token, HMAC(token, "mecom-migrate-v2 source" | Nt | Ns)).
/// Target: <c>AuthOk</c> (with a token, HMAC(token, "mecom-migrate-v2 target" | Nt | Ns); else empty).
/// With a token both sides then derive <see cref="MessageMac"/> keys from it and both nonces, and every
/// later message is authenticated.
/// </summary>
/// <remarks>
/// Found against v1: a source holding a token accepted a target that said "no token needed", and answered
/// any challenge with the token's MAC of the challenger's nonce, an oracle an impostor could relay to the
/// real target. Now a side with a token refuses a peer without one (no downgrade), each side proves the
/// token over both nonces under its own label (a proof made for one session or one role fits no other),
/// and the source sends nothing of the guest before the target has proved it holds the token.
/// </remarks>
public static class Handshake
{
    /// <summary>An <c>Auth</c> payload: without a token, flag and nonce; with one, its proof too.</summary>
    public const int AuthBytes = 1 + Wire.NonceBytes + ProofBytes;

    private const int ProofBytes = 32;

    /// <summary>The target's side, after its challenge was sent; throws <see cref="WireException"/> naming the refusal.</summary>
    public static void Target(CountingStream stream, string? token, ReadOnlySpan<byte> challenge, Func<string?> abortReason)
    {
        if (!Wire.TryRead(stream, AuthBytes, out byte type, out byte[] buffer, out int length))
        {
            throw new WireException(abortReason() ?? "the peer closed the connection before authenticating");
        }

        try
        {
            if (type != Wire.Auth)
            {
                throw new WireException($"expected an authentication answer, got message type 0x{type:x2}: is the peer an older mecom?");
            }

            ReadOnlySpan<byte> answer = buffer.AsSpan(0, length);
            bool hasToken = length == AuthBytes && answer[0] == 1;
            if (!hasToken && (length != 1 + Wire.NonceBytes || answer[0] != 0))
            {
                throw new WireException($"an authentication answer is {1 + Wire.NonceBytes} or {AuthBytes} bytes with a matching flag, this one {length}: is the peer an older mecom?");
            }

            ReadOnlySpan<byte> nonce = ChallengeMessage.Read(challenge).Nonce;
            ReadOnlySpan<byte> sourceNonce = answer.Slice(1, Wire.NonceBytes);
            if (token is null)
            {
                if (hasToken)
                {
                    throw new WireException("authentication failed: the peer holds a token and this target none, so it cannot prove one (start the target with the same --token)");
                }

                Wire.Write(stream, Wire.AuthOk, []);
                return;
            }

            if (!hasToken)
            {
                throw new WireException("authentication failed: this target requires a token (--token) and the peer sent none");
            }

            if (!CryptographicOperations.FixedTimeEquals(Proof(token, "source", nonce, sourceNonce), answer[(1 + Wire.NonceBytes)..]))
            {
                throw new WireException("authentication failed: the peer's token is not this target's");
            }

            // The proof and the keys go out under the write lock, so no progress report slips between them unauthenticated.
            lock (stream.WriteLock)
            {
                Wire.Write(stream, Wire.AuthOk, Proof(token, "target", nonce, sourceNonce));
                stream.Mac = MessageMac.For(source: false, token, nonce, sourceNonce);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The source's side, from the challenge to the target's proof; throws <see cref="WireException"/> naming the refusal.</summary>
    public static void Source(CountingStream stream, string? token)
    {
        byte[] challenge = Next(stream, Wire.Challenge, ChallengeMessage.Bytes, "a challenge");
        ReadOnlySpan<byte> nonce = ChallengeMessage.Read(challenge).Nonce;
        if (ChallengeMessage.Read(challenge).TokenRequired && token is null)
        {
            throw new WireException("the target requires a token: pass the same --token to the source");
        }

        if (!ChallengeMessage.Read(challenge).TokenRequired && token is not null)
        {
            throw new WireException("the target does not ask for a token, so it cannot prove it holds one: refusing to send it guest memory (no downgrade; start the target with the same --token)");
        }

        byte[] sourceNonce = RandomNumberGenerator.GetBytes(Wire.NonceBytes);
        byte[] answer = token is null ? [0, .. sourceNonce] : [1, .. sourceNonce, .. Proof(token, "source", nonce, sourceNonce)];
        Wire.Write(stream, Wire.Auth, answer);
        byte[] proof = Next(stream, Wire.AuthOk, token is null ? 0 : ProofBytes, "the target's proof");
        if (token is not null)
        {
            if (!CryptographicOperations.FixedTimeEquals(Proof(token, "target", nonce, sourceNonce), proof))
            {
                throw new WireException("the target could not prove it holds the token: refusing to send it guest memory (an impostor, or another token)");
            }

            stream.Mac = MessageMac.For(source: true, token, nonce, sourceNonce);
        }
    }

    /// <summary>The next message other than a progress report: <paramref name="type"/> of <paramref name="bytes"/>, or the target's refusal.</summary>
    private static byte[] Next(Stream stream, byte type, int bytes, string what)
    {
        while (true)
        {
            if (!Wire.TryRead(stream, Wire.MaxErrorBytes, out byte got, out byte[] buffer, out int n))
            {
                throw new WireException($"the target closed the connection before {what}");
            }

            try
            {
                if (got == Wire.Progress)
                {
                    continue;
                }

                if (got == Wire.Error)
                {
                    throw new WireException($"the target refused the connection: {Encoding.UTF8.GetString(buffer, 0, n)}");
                }

                if (got != type || n != bytes)
                {
                    throw new WireException($"the peer is not a mecom target (message type 0x{got:x2} of {n} bytes where {what} was due)");
                }

                return buffer.AsSpan(0, n).ToArray();
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    /// <summary>One side's proof that it holds the token, bound to this session's two nonces and to its role.</summary>
    public static byte[] Proof(string token, string role, ReadOnlySpan<byte> targetNonce, ReadOnlySpan<byte> sourceNonce)
    {
        byte[] message = [.. Encoding.ASCII.GetBytes($"mecom-migrate-v2 {role}"), .. targetNonce, .. sourceNonce];
        return HMACSHA256.HashData(Encoding.UTF8.GetBytes(token), message);
    }
}
