using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Mecom.Codecs;
using Mecom.Codecs.Framing;
using Mecom.Codecs.General;
using Mecom.Harness.Corpus;
using Mecom.Harness.Measure;
using Mecom.Harness.Reporting;
using Mecom.Tests.Support;

namespace Mecom.Tests.Migration;

/// <summary>
/// The emulated migration end to end over loopback TCP, with a guest writing all the while: the target's
/// memory must equal the source's final memory byte for byte, for every strategy.
/// </summary>
[Collection(TimingSensitive.Name)]
public class EmulationTests
{
    private static GuestSpec SyntheticGuest(double rate, long hotSet) =>
        new("slice", Corpora.SmallGuest, 4096, () => new SyntheticWorkload(Corpora.SmallGuest, 4096, rate, hotSet, 7));

    [Theory]
    [InlineData("raw")]
    [InlineData("zero")]
    [InlineData("lz4")]
    [InlineData("zstd:1")]
    [InlineData("mecom")]
    [InlineData("mecom+delta")]
    [InlineData("mecom+zstd-dict:9")]
    [InlineData("mecom+zstd-dict:3+delta")]
    [InlineData("adaptive")]
    public void Every_strategy_ends_with_the_target_equal_to_the_source(string strategy)
    {
        // A guest writing 100,000 pages/s into 512 hot pages re-dirties its hot set faster than a round
        // sends it, so pre-copy runs rounds under writes until Xen's 3x-memory cap. How many rounds depends
        // on the scheduler (a writer starved for a whole round lets it converge early), so the test does not
        // pin a count: it checks that the rule, replayed on the recorded rounds, stops exactly where it did.
        var settings = new MigrationSettings
        {
            Strategy = Strategy.Parse(strategy), BandwidthBps = 2e9, StopRule = StopRuleKind.Xen, Workers = 2, BatchPages = 64,
        };
        MigrationRun run = EmulatedMigration.RunInProcess(SyntheticGuest(100_000, 512), settings);

        Assert.True(run.Exact, $"{strategy}: the target's memory differs");
        Assert.Null(run.Error);
        Assert.True(run.Rounds >= 2, $"{strategy}: {run.Rounds} rounds, not even a stop-and-copy after round 0");
        AssertStopsWhereTheRuleSays(new XenStopRule(settings.MaxRounds), run, 2048);
        Assert.Equal(run.Rounds, run.PerRound.Count);
        Assert.True(run.PerRound[^1].StopAndCopy);
        Assert.All(run.PerRound.SkipLast(1), r => Assert.False(r.StopAndCopy));
        Assert.Equal(2048, run.PerRound[0].Pages);
        Assert.Equal(run.PagesSent, run.PerRound.Sum(r => r.Pages));
        Assert.Equal(run.PagesSent, run.PageCounts.Values.Sum());
        Assert.True(run.BytesSent > run.PerRound.Sum(r => r.Bytes) - 1);
        Assert.InRange(run.DowntimeMs, 0, run.TotalTimeMs);
        Assert.True(run.DirtyRatePagesPerSec > 0);
        if (strategy == "raw")
        {
            Assert.Equal(["raw"], run.PageCounts.Keys);
            Assert.True(run.BytesSent >= run.PagesSent * 4096);
        }
    }

    [Fact]
    public void Re_sent_pages_with_small_edits_go_as_deltas_and_land_exactly()
    {
        // The synthetic guest writes whole other pages, so whether a delta ever beats mecom is luck; this
        // guest flips a 32-byte stripe in every 8th page, so every re-send is a small edit of what the
        // target already holds, and the delta cache (25% of 2048 pages) holds the whole hot set of 256.
        var settings = new MigrationSettings
        {
            Strategy = Strategy.Parse("mecom+delta"), BandwidthBps = 2e9, StopRule = StopRuleKind.Xen, Workers = 2, BatchPages = 64,
        };
        var guest = new GuestSpec("edits", Corpora.SmallGuest, 4096, () => new StripeEditWorkload(Corpora.SmallGuest, 4096, 100_000, 8));
        MigrationRun run = EmulatedMigration.RunInProcess(guest, settings);

        Assert.True(run.Exact, "the target's memory differs");
        Assert.Null(run.Error);
        long resent = run.PagesSent - run.PerRound[0].Pages;
        Assert.True(resent > 0, "no page was sent twice");
        Assert.True(run.PageCounts.GetValueOrDefault("delta") > 0, $"{resent} re-sent pages, none went as a delta");
    }

    [Fact]
    public void Stripe_edits_toggle_every_strideth_page_between_its_image_and_a_32_byte_edit()
    {
        byte[] image = Corpora.SmallGuest[..(16 * 4096)];
        var guest = new StripeEditWorkload(image, 4096, 1000, 8);
        GuestWrite[] writes = guest.Schedule(16).Take(4).ToArray();

        Assert.Equal([0L, 8, 0, 8], writes.Select(w => w.Page));
        Assert.Equal([1.0, 2, 3, 4], writes.Select(w => w.DueMs));
        Assert.Equal(18, guest.ContentCount);
        Assert.Equal([16, 17, 0, 8], writes.Select(w => w.ContentId));
        for (int h = 0; h < 2; h++)
        {
            byte[] before = image[(h * 8 * 4096)..((h * 8 + 1) * 4096)];
            byte[] after = guest.Contents(16 + h).ToArray();
            int[] changed = Enumerable.Range(0, 4096).Where(i => before[i] != after[i]).ToArray();
            Assert.Equal(Enumerable.Range(1024, 32), changed);
            Assert.True(guest.Contents(h * 8).Span.SequenceEqual(before));
        }
    }

    [Fact]
    public void A_paused_guest_writes_nothing_more_and_its_memory_holds_its_last_writes_whole()
    {
        // 100,000 writes a second, so the pause lands among writes; every write toggles a page whole.
        byte[] image = Corpora.SmallGuest[..(16 * 4096)];
        using var workload = new StripeEditWorkload(image, 4096, 100_000, 1);
        var memory = new GuestMemory(image.ToArray(), 4096);
        workload.Start(memory);
        while (memory.Writes < 1000)
        {
            Thread.Sleep(1);
        }

        workload.Pause();
        long writes = memory.Writes;
        byte[] snapshot = memory.Memory.ToArray();
        Thread.Sleep(50);

        Assert.Equal(writes, memory.Writes);
        Assert.Equal(snapshot, memory.Memory);
        for (int p = 0; p < 16; p++)
        {
            ReadOnlySpan<byte> page = snapshot.AsSpan(p * 4096, 4096);
            Assert.True(page.SequenceEqual(workload.Contents(p).Span) || page.SequenceEqual(workload.Contents(16 + p).Span),
                $"page {p} is neither its image nor its edit: a write was cut by the pause");
        }
    }

    private static void AssertStopsWhereTheRuleSays(IStopRule rule, MigrationRun run, long guestPages)
    {
        var live = run.PerRound.Where(r => !r.StopAndCopy)
            .Select(r => new RoundRecord(r.Round, r.Pages, r.Bytes, 0, r.DurationMs, r.DirtyAfter, false)).ToList();
        for (int i = 1; i <= live.Count; i++)
        {
            bool stop = rule.ShouldStop(live.Take(i).ToList(), guestPages, 4096, out string reason);
            Assert.True(stop == (i == live.Count), $"after round {i - 1} of {live.Count} live rounds the rule says stop={stop} ({reason})");
        }
    }

    [Fact]
    public void A_trace_replayed_faster_than_real_time_migrates_exactly()
    {
        var entry = Corpora.Shipped().First(e => e.Name == "python-sqlite");
        var settings = new MigrationSettings { Strategy = Strategy.Parse("mecom"), BandwidthBps = 1e9, TimeScale = 20, StopRule = StopRuleKind.Xen };
        GuestSpec guest = MigrationGrid.LoadGuest(entry, settings);
        MigrationRun run = EmulatedMigration.RunInProcess(guest, settings);
        Assert.True(run.Exact);
        Assert.Equal(entry.Pages, run.PerRound[0].Pages);
        Assert.True(run.PerRound[0].DirtyAfter > 0, "the trace wrote nothing during round 0");
        Assert.Contains("trace replay", run.Workload);
    }

    [Fact]
    public void An_entry_without_a_trace_needs_a_synthetic_guest()
    {
        string dir = Directory.CreateTempSubdirectory("mecom-notrace").FullName;
        File.WriteAllBytes(Path.Combine(dir, "plain.pages"), new byte[64 * 4096]);
        var entry = CorpusEntry.Open(Path.Combine(dir, "plain"));
        var e = Assert.Throws<ArgumentException>(() => MigrationGrid.LoadGuest(entry, new MigrationSettings { Strategy = Strategy.Parse("raw") }));
        Assert.Contains("--dirty-rate", e.Message);
        Assert.NotNull(MigrationGrid.LoadGuest(entry, new MigrationSettings { Strategy = Strategy.Parse("raw"), DirtyRate = 10 }));
    }

    [Fact]
    public void The_json_has_a_runs_list_with_the_documented_fields()
    {
        var settings = new MigrationSettings { Strategy = Strategy.Parse("raw"), BandwidthBps = 1e10 };
        var runs = MigrationGrid.Run([SyntheticGuest(0, 1)], Strategy.ParseList("raw,mecom"), [1e10], settings,
            (g, s) => EmulatedMigration.RunInProcess(g, s));
        var report = new MigrationReport { Machine = MachineInfo.Current(), Commit = "test", Date = DateTimeOffset.UtcNow, Runs = runs };
        string path = Path.Combine(Directory.CreateTempSubdirectory("mecom-json").FullName, "m.json");
        MigrationTables.WriteJson(report, path);
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        JsonElement first = doc.RootElement.GetProperty("runs")[1];
        foreach (string field in new[] { "strategy", "bandwidthBps", "downtimeMs", "totalTimeMs", "bytesSent", "rounds", "exact", "perRound" })
        {
            Assert.True(first.TryGetProperty(field, out _), $"runs[] lacks {field}");
        }

        Assert.Equal("mecom", first.GetProperty("strategy").GetString());
        Assert.True(first.GetProperty("vsRaw").GetProperty("data").GetDouble() > 0.3);
        Assert.Equal(runs.Count, MigrationTables.ReadJson(path).Runs.Count);
        Assert.Contains("| slice | 10gbit | mecom |", MigrationTables.Markdown(runs, "t"));
        string folder = Directory.CreateTempSubdirectory("mecom-plots").FullName;
        Assert.All(MigrationPlots.Write(runs, folder), png => Assert.True(new FileInfo(png).Length > 10_000));
    }

    [Fact]
    public void The_link_never_runs_faster_than_its_rate_and_delays_by_its_latency()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using (var link = new LinkEmulator(Stream.Null, 100e6))
        {
            link.Write(new byte[1_250_000]); // 0.1 s at 100 Mbit/s
            link.Flush();
            Assert.Equal(1_250_000, link.BytesSent);
        }

        Assert.True(clock.Elapsed.TotalSeconds >= 0.1 - LinkEmulator.BurstSeconds, $"{clock.Elapsed.TotalMilliseconds} ms");

        clock.Restart();
        using (var delayed = new LinkEmulator(Stream.Null, 1e10, latencyMs: 40))
        {
            delayed.Write(new byte[100]);
            delayed.Flush();
        }

        Assert.True(clock.Elapsed.TotalMilliseconds >= 39, $"{clock.Elapsed.TotalMilliseconds} ms");
    }

    [Fact]
    public async Task A_peer_that_is_not_a_source_is_refused_with_a_reason()
    {
        var (stream, served, client) = TargetPeer.Connect();
        using (client)
        {
            Wire.Write(stream, Wire.Hello, new byte[HelloMessage.Bytes]);
            TargetReport report = await served;
            Assert.Contains("magic", report.Error);
            Assert.Equal(Wire.Error, TargetPeer.Answer(stream).Type);
        }
    }

    [Fact]
    public async Task A_guest_larger_than_the_target_allows_allocates_nothing_and_is_refused()
    {
        var (stream, served, client) = TargetPeer.Connect();
        using (client)
        {
            Wire.Write(stream, Wire.Hello, HelloMessage.For(4096, long.MaxValue / 4096, 128, 0).ToPayload());
            TargetReport report = await served;
            Assert.Contains("exceeds", report.Error);
            Assert.Null(report.Memory);
        }
    }

    [Fact]
    public async Task A_hello_asking_the_target_to_sleep_for_an_hour_is_refused()
    {
        // Found by the wire fuzzer: the emulated reply latency came from the peer unchecked.
        var (stream, served, client) = TargetPeer.Connect();
        using (client)
        {
            byte[] hello = (HelloMessage.For(4096, 64, 16, 0) with { ReplyDelayUs = uint.MaxValue }).ToPayload();
            Wire.Write(stream, Wire.Hello, hello);
            TargetReport report = await served.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
            Assert.Contains("latency", report.Error);
        }

        // Just over the 1 s bound: refused too (10 s per answer let a forged session hold the target for minutes).
        var (stream2, served2, client2) = TargetPeer.Connect();
        using (client2)
        {
            byte[] hello = (HelloMessage.For(4096, 64, 16, 0) with { ReplyDelayUs = MigrationTarget.MaxReplyDelayUs + 1 }).ToPayload();
            Wire.Write(stream2, Wire.Hello, hello);
            TargetReport report = await served2.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
            Assert.Contains("beyond the 1000 ms", report.Error);
        }
    }

    [Fact]
    public async Task A_corrupted_frame_ends_the_session_naming_the_page()
    {
        var (stream, served, client) = TargetPeer.Connect();
        using (client)
        {
            byte[] memory = Corpora.SmallGuest[..(64 * 4096)];
            Wire.Write(stream, Wire.Hello, HelloMessage.For(4096, 64, 64, 0).ToPayload());
            var builder = new FrameBuilder(4096, 64);
            builder.Build(memory, Enumerable.Range(0, 64).Select(i => (long)i).ToArray(), CodecRegistry.Create("lz4"));
            byte[] frame = builder.Frame.ToArray();
            frame[^10] ^= 0x40; // inside the last page's payload
            Wire.Write(stream, Wire.Frame, frame);
            Wire.Write(stream, Wire.RoundEnd, new byte[4]);
            TargetReport report = await served;
            Assert.NotNull(report.Error);
            Assert.Contains("page 63", report.Error);
            var (type, text) = TargetPeer.Answer(stream);
            Assert.Equal(Wire.Error, type);
            Assert.Contains("page 63", text);
        }
    }

    [Theory]
    [InlineData("corrupt")]
    [InlineData("twice")]
    [InlineData("after a frame")]
    [InlineData("missing")]
    [InlineData("only in this process")]
    [InlineData("not announced")]
    public async Task A_dictionary_that_is_damaged_repeated_late_or_missing_ends_the_session_saying_so(string fault)
    {
        byte[] memory = Corpora.SmallGuest[..(64 * 4096)];
        byte[] dictionary = memory[..(8 * 4096)];
        string id = RawDictionary.Register(dictionary);
        byte[] packed = RawDictionary.Pack(dictionary);
        var builder = new FrameBuilder(4096, 64);
        builder.Build(memory, Enumerable.Range(0, 64).Select(i => (long)i).ToArray(), CodecRegistry.Create($"mecom+zstd-dict:9@{id}"));
        byte[] frame = builder.Frame.ToArray();
        // The frame names a dictionary this process knows; "missing" names one nobody sent.
        byte[] unknown = frame.AsSpan().IndexOf(System.Text.Encoding.ASCII.GetBytes(id)) is int at and >= 0
            ? [.. frame[..at], .. System.Text.Encoding.ASCII.GetBytes("0123456789abcdef"), .. frame[(at + id.Length)..]]
            : throw new InvalidOperationException("the frame does not name its dictionary");
        var (stream, served, client) = TargetPeer.Connect();
        using (client)
        {
            Wire.Write(stream, Wire.Hello, HelloMessage.For(4096, 64, 64, 0, 1, fault == "not announced" ? 0 : Wire.MaxDictionaryPayload).ToPayload());
            switch (fault)
            {
                case "only in this process":
                    // Dictionaries are the session's: the source's copy in this process must not decode the frame.
                    Wire.Write(stream, Wire.Frame, frame);
                    Wire.Write(stream, Wire.RoundEnd, new byte[4]);
                    break;
                case "not announced":
                    Wire.Write(stream, Wire.Dictionary, packed);
                    break;
                case "corrupt":
                    packed[^3] ^= 0x01;
                    Wire.Write(stream, Wire.Dictionary, packed);
                    break;
                case "twice":
                    Wire.Write(stream, Wire.Dictionary, packed);
                    Wire.Write(stream, Wire.Dictionary, packed);
                    break;
                case "after a frame":
                    Wire.Write(stream, Wire.Dictionary, packed);
                    Wire.Write(stream, Wire.Frame, frame);
                    Wire.Write(stream, Wire.Dictionary, packed);
                    break;
                default:
                    Wire.Write(stream, Wire.Frame, unknown);
                    Wire.Write(stream, Wire.RoundEnd, new byte[4]);
                    break;
            }

            TargetReport report = await served.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
            string expected = fault switch
            {
                "corrupt" => "the source's dictionary is unusable",
                "twice" => "a second dictionary arrived",
                "after a frame" => "a dictionary arrived after the first frame",
                "only in this process" => $"no dictionary '{id}' is known here",
                "not announced" => "a dictionary arrived that the hello did not announce",
                _ => "no dictionary '0123456789abcdef' is known here",
            };
            Assert.Contains(expected, report.Error);
            var (type, text) = TargetPeer.Answer(stream);
            Assert.Equal(Wire.Error, type);
            Assert.Contains(expected, text);
        }
    }

    [Fact]
    public async Task A_message_claiming_more_than_a_frame_can_hold_is_refused_before_reading_it()
    {
        var (stream, served, client) = TargetPeer.Connect();
        using (client)
        {
            Wire.Write(stream, Wire.Hello, HelloMessage.For(4096, 64, 16, 0).ToPayload());
            Span<byte> head = stackalloc byte[5];
            head[0] = Wire.Frame;
            BinaryPrimitives.WriteUInt32LittleEndian(head[1..], uint.MaxValue);
            stream.Write(head);
            Assert.Contains("at most", (await served).Error);
        }
    }
}
