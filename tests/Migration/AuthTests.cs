using System.Net;
using System.Net.Sockets;
using Mecom.Tests.Support;

namespace Mecom.Tests.Migration;

/// <summary>
/// Mutual authentication and authenticated messages: each side proves the token, neither talks to a peer
/// without one, and a message altered, reordered, replayed or injected after the handshake is named.
/// </summary>
[Collection(TimingSensitive.Name)]
public class AuthTests
{
    private const string Token = "correct horse battery";

    private static readonly MigrationSettings Settings = new() { Strategy = Strategy.Parse("mecom"), BandwidthBps = 1e9, StopRule = StopRuleKind.Xen };

    private static GuestSpec Guest() => new("auth", Corpora.SmallGuest, 4096, () => new SyntheticWorkload(Corpora.SmallGuest, 4096, 2000, 128, 3));

    /// <summary>A fake target that sends <paramref name="challenge"/> and answers an Auth with <paramref name="proof"/>; the bytes it got after.</summary>
    private static (IPEndPoint EndPoint, Task<long> AfterAuth) Impostor(bool tokenRequired, byte[]? proof)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var after = Task.Run(() =>
        {
            using TcpClient accepted = listener.AcceptTcpClient();
            listener.Stop();
            accepted.ReceiveTimeout = 10_000;
            NetworkStream stream = accepted.GetStream();
            Wire.Write(stream, Wire.Challenge, ChallengeMessage.NewPayload(tokenRequired));
            if (!Wire.TryRead(stream, 4096, out _, out _, out _))
            {
                return 0L;
            }

            if (proof is not null)
            {
                Wire.Write(stream, Wire.AuthOk, proof);
            }

            long got = 0;
            byte[] sink = new byte[65536];
            int n;
            try
            {
                while ((n = stream.Read(sink)) > 0)
                {
                    got += n;
                }
            }
            catch (IOException)
            {
            }

            return got;
        });
        return ((IPEndPoint)listener.LocalEndpoint, after);
    }

    private static MigrationRun Source(IPEndPoint endpoint, string? token = Token)
    {
        using TcpClient client = EmulatedMigration.ConfigureSource(new TcpClient());
        client.Connect(endpoint);
        return EmulatedMigration.RunSource(client.GetStream(), Guest(), Settings, null, null, token);
    }

    [Fact]
    public async Task A_source_with_a_token_refuses_a_target_that_asks_for_none()
    {
        // v1 answered and streamed guest memory to a target that said "no token needed".
        var (endpoint, after) = Impostor(tokenRequired: false, proof: []);
        Assert.Contains("no downgrade", Assert.Throws<MigrationFailedException>(() => Source(endpoint)).Message);
        Assert.Equal(0L, await after.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_source_refuses_a_target_that_cannot_prove_the_token_and_sends_it_nothing()
    {
        var (endpoint, after) = Impostor(tokenRequired: true, proof: new byte[32]);
        Assert.Contains("could not prove it holds the token", Assert.Throws<MigrationFailedException>(() => Source(endpoint)).Message);
        Assert.Equal(0L, await after.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken));
    }

    [Fact]
    public void Proofs_are_bound_to_the_role_and_to_both_nonces()
    {
        // A source's proof was a MAC of the challenger's nonce alone: an impostor could relay it.
        byte[] nt = new byte[32], ns = new byte[32], other = new byte[32];
        other[0] = 1;
        byte[] proof = Handshake.Proof(Token, "source", nt, ns);
        Assert.NotEqual(proof, Handshake.Proof(Token, "target", nt, ns));
        Assert.NotEqual(proof, Handshake.Proof(Token, "source", other, ns));
        Assert.NotEqual(proof, Handshake.Proof(Token, "source", nt, other));
    }

    [Theory]
    [InlineData("altered", "failed authentication: altered or injected")]
    [InlineData("reordered", "arrived out of order: it is message 2")]
    [InlineData("replayed", "is a replay of message 0")]
    [InlineData("injected", "failed authentication: altered or injected")]
    public void A_message_after_the_handshake_that_was_tampered_with_is_named(string how, string expected)
    {
        byte[] nt = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32), ns = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        using MessageMac sender = MessageMac.For(source: true, Token, nt, ns);
        byte[][] messages = Enumerable.Range(0, 3).Select(i => Message(sender, Wire.Frame, [(byte)i, 2, 3])).ToArray();
        byte[][] sent = how switch
        {
            "altered" => [messages[0], [.. messages[1][..6], (byte)(messages[1][6] ^ 1), .. messages[1][7..]]],
            "reordered" => [messages[0], messages[2], messages[1]],
            "replayed" => [messages[0], messages[0]],
            _ => [messages[0], Message(MessageMac.For(source: true, "another token!", nt, ns), Wire.Frame, [9])],
        };
        using var receiver = MessageMac.For(source: false, Token, nt, ns);
        var stream = new CountingStream(new MemoryStream(sent.SelectMany(m => m).ToArray())) { Mac = receiver };
        Assert.True(Wire.TryRead(stream, 64, out _, out _, out int first) && first == 3);
        Assert.Contains(expected, Assert.Throws<WireException>(() => Wire.TryRead(stream, 64, out _, out _, out _)).Message);
    }

    private static byte[] Message(MessageMac mac, byte type, byte[] payload)
    {
        var bytes = new List<byte>();
        Wire.Write(span => bytes.AddRange(span.ToArray()), type, payload, mac);
        return [.. bytes];
    }

    [Fact]
    public async Task A_byte_flipped_on_the_path_of_an_authenticated_migration_ends_it_naming_the_alteration()
    {
        var (endpoint, served) = FaultTests.Target(Token);
        using (var proxy = new FaultProxy(endpoint, FaultProxy.Fault.FlipByte, 500_000))
        {
            Assert.Contains("failed authentication", Assert.Throws<MigrationFailedException>(() => Source(proxy.EndPoint)).Message);
        }

        Assert.Contains("failed authentication: altered or injected", (await served.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken)).Error);
    }

    [Fact]
    public async Task An_authenticated_migration_is_exact()
    {
        var (endpoint, served) = FaultTests.Target(Token);
        Assert.True(Source(endpoint).Exact);
        Assert.True((await served).Exact);
    }
}
