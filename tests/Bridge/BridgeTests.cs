using Mecom.Harness.Bridge;
using Mecom.Harness.Migration.Policy;

namespace Mecom.Tests.Bridge;

public class BridgeTests
{
    private static BridgeOptions Options(string strategy, int workers = 2) => strategy == "passthrough"
        ? new BridgeOptions { Workers = workers, BitsPerSecond = 10e9 }
        : new BridgeOptions { Codec = Strategy.Parse(strategy).Codecs[0], StrategyName = strategy, Workers = workers, BitsPerSecond = 10e9 };

    /// <summary>The strategies issue 23 names for the first bridges; the rest of migrate's need deltas or a dictionary.</summary>
    public static TheoryData<string> Strategies => new("raw", "zero", "lz4", "zstd:1", "mecom", "passthrough");

    [Theory]
    [MemberData(nameof(Strategies))]
    public void Every_fixture_crosses_the_bridges_byte_exact(string strategy)
    {
        foreach (string name in QemuFixtures.Names)
        {
            byte[] stream = QemuFixtures.Read(name);
            var result = BridgeHarness.Run([stream], Options(strategy));
            Assert.True(stream.AsSpan().SequenceEqual(result.Received[0]), $"{name}: the target QEMU read {result.Received[0].Length} bytes, not the {stream.Length} written");
            Assert.True(result.Source.Exact, $"{name}: source says not exact: {result.Source.Error} {result.Source.Channels[0].Error}");
            Assert.True(result.Target.Exact, $"{name}: target says not exact: {result.Target.Error} {result.Target.Channels[0].Error}");
            ChannelReport channel = result.Source.Channels[0];
            Assert.Equal(stream.Length, channel.StreamBytes);
            if (strategy != "passthrough")
            {
                var (counts, _) = QemuFixtures.RoundTrip(stream, strict: true);
                Assert.Equal(counts.NormalPages, channel.NormalPages);
                Assert.Equal(counts.ZeroPages, channel.ZeroPages);
                Assert.Null(channel.PassThrough);
            }
        }
    }

    [Fact]
    public void Compression_puts_fewer_bytes_on_the_link_than_pass_through()
    {
        byte[] stream = QemuFixtures.Read("seabios-default");
        long passthrough = BridgeHarness.Run([stream], Options("passthrough")).Source.WireBytes;
        long zstd = BridgeHarness.Run([stream], Options("zstd:1")).Source.WireBytes;
        Assert.True(zstd < passthrough, $"zstd:1 sent {zstd} bytes, pass-through {passthrough}");
    }

    [Fact]
    public void Pass_through_carries_several_connections_at_once_on_one_link()
    {
        byte[] a = QemuFixtures.Read("seabios-default");
        byte[] b = QemuFixtures.Read("seabios-ratelimited");
        byte[] c = new byte[300_000];
        new Random(5).NextBytes(c);
        byte[] reply = [0, 2, 0, 4, 0, 0, 0, 1];
        var result = BridgeHarness.Run([a, b, c], Options("passthrough"), reply: reply);
        Assert.Equal(3, result.Source.Channels.Count);
        Assert.True(result.Source.Exact && result.Target.Exact, result.Source.Error ?? result.Target.Error);
        Assert.True(a.AsSpan().SequenceEqual(result.Received[0]));
        Assert.True(b.AsSpan().SequenceEqual(result.Received[1]));
        Assert.True(c.AsSpan().SequenceEqual(result.Received[2]));
        Assert.All(result.Reverse, r => Assert.Equal(reply, r));
    }

    [Fact]
    public void A_stream_the_parser_does_not_understand_goes_through_raw_and_exact()
    {
        byte[] stream = (byte[])QemuFixtures.Read("seabios-default").Clone();
        var page = QemuFixtures.Records(stream).First(r => r.Kind == QemuRecordKind.NormalPage);
        stream[page.Offset + 6] |= 0x02; // the 0x200 flag: not a 7.2 record
        var result = BridgeHarness.Run([stream], Options("mecom"));
        Assert.True(stream.AsSpan().SequenceEqual(result.Received[0]));
        Assert.True(result.Source.Exact, result.Source.Channels[0].Error);
        Assert.Contains($"byte {page.Offset}", result.Source.Channels[0].PassThrough);
    }

    [Fact]
    public void A_truncated_QEMU_stream_is_named_and_never_reported_exact()
    {
        byte[] stream = QemuFixtures.Read("seabios-default");
        byte[] cut = stream[..(stream.Length / 3)];
        var result = BridgeHarness.Run([cut], Options("lz4"));
        Assert.False(result.Source.Exact);
        Assert.False(result.Target.Exact);
        Assert.Contains("truncated", result.Source.Channels[0].Error);
        Assert.True(result.Received[0].Length <= cut.Length && cut.AsSpan(0, result.Received[0].Length).SequenceEqual(result.Received[0]));
    }

    [Theory]
    [InlineData("page")]      // a byte of a raw page inside a frame: its hash fails
    [InlineData("count")]     // the batch claims more pages than its frame holds
    [InlineData("drop")]      // a whole batch lost between the bridges
    public void A_damaged_batch_is_refused_and_nothing_after_it_reaches_QEMU(string damage)
    {
        byte[] stream = QemuFixtures.Read("seabios-default");
        int seen = 0;
        var result = BridgeHarness.Run([stream], Options("raw"), between: target =>
        {
            var proxy = new TamperProxy(target, (type, payload, _) =>
            {
                if (type != BridgeMessage.Pages || seen++ != 2)
                {
                    return payload;
                }

                switch (damage)
                {
                    case "page":
                        payload[^100] ^= 0x40;
                        return payload;
                    case "count":
                        payload[3]++;
                        return payload;
                    default:
                        return null;
                }
            });
            return (proxy.Endpoint, proxy);
        });
        Assert.False(result.Source.Exact);
        Assert.False(result.Target.Exact);
        byte[] got = result.Received[0];
        Assert.True(got.Length < stream.Length, $"{got.Length} bytes forwarded of {stream.Length}");
        // Damage detected: what was forwarded is a prefix of the stream, ending before the damaged batch.
        Assert.True(stream.AsSpan(0, got.Length).SequenceEqual(got));
        Assert.Contains("nothing after it was forwarded", result.Target.Channels[0].Error);
    }
}
