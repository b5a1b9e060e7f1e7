using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Mecom.Codecs;
using Mecom.Codecs.Framing;
using Mecom.Tests.Support;

namespace Mecom.Tests.Migration;

/// <summary>
/// The findings of issue 20 against the target, each as a hostile peer sends it: the target ends that
/// session with a reason naming what was wrong, promptly, and never dies; and its accept loop
/// (<see cref="TargetServer"/>) is held by no slow peer and tells a second source it is busy. Time bounds
/// only catch hangs.
/// </summary>
[Collection(TimingSensitive.Name)]
public class HardeningTests
{
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(10);

    /// <summary>A frame of no pages naming <paramref name="codec"/> however it is spelled: 24 bytes plus the name.</summary>
    internal static byte[] EmptyFrame(string codec, int pageSize = 4096)
    {
        byte[] frame = new byte[BatchFrame.HeaderBytes(codec)];
        BinaryPrimitives.WriteUInt32LittleEndian(frame, BatchFrame.Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(frame.AsSpan(4), BatchFrame.Version);
        frame[6] = (byte)codec.Length;
        Encoding.ASCII.GetBytes(codec, frame.AsSpan(7));
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(7 + codec.Length), (uint)pageSize);
        return frame;
    }

    [Fact]
    public async Task A_hello_whose_frames_overflow_32_bits_cannot_make_the_target_take_a_2_GiB_message()
    {
        // 32768-byte pages in batches of 65536 wrapped the frame limit negative; a 0x7FFFFFFF claim then
        // reached ArrayPool.Rent, whose OutOfMemoryException ended the target process.
        var (stream, served, client) = TargetPeer.Connect();
        using (client)
        {
            Wire.Write(stream, Wire.Hello, HelloMessage.For(32768, 1, 65536, 0).ToPayload());
            Span<byte> head = stackalloc byte[Wire.HeaderBytes];
            head[0] = Wire.Frame;
            BinaryPrimitives.WriteUInt32LittleEndian(head[1..], 0x7FFFFFFF);
            stream.Write(head);
            TargetReport report = await served.WaitAsync(Hang, TestContext.Current.CancellationToken);
            Assert.Contains("claims 2147483647 payload bytes", report.Error);
        }
    }

    [Fact]
    public async Task A_hello_asking_for_frames_over_the_ceiling_is_refused_naming_the_field_before_any_allocation()
    {
        // 20,000 pages of 4 KiB in one batch: 82 MB frames, over the 64 MiB ceiling.
        var (stream, served, client) = TargetPeer.Connect();
        using (client)
        {
            Wire.Write(stream, Wire.Hello, HelloMessage.For(4096, 20_000, 20_000, 0).ToPayload());
            TargetReport report = await served.WaitAsync(Hang, TestContext.Current.CancellationToken);
            Assert.StartsWith("hello: batch pages:", report.Error);
            Assert.Null(report.Memory);
        }
    }

    [Fact]
    public void Frames_of_65536_pages_of_64_KiB_are_sized_in_64_bits()
    {
        // The 32-bit limit wrapped to 1.4 MB: a real source's frames of 64 KiB pages were refused.
        Assert.Equal(274L + 65536L * (BatchFrame.RecordHeaderBytes + 65536), Wire.FrameLimit(65536, 65536));
        Assert.True(Wire.FrameLimit(65536, 32) > 2_000_000);
    }

    [Fact]
    public void A_source_with_64_KiB_pages_and_batches_of_65536_migrates_exactly()
    {
        byte[] image = Corpora.SmallGuest[..(48 * 65536)];
        var guest = new GuestSpec("big pages", image, 65536, () => new SyntheticWorkload(image, 65536, 200, 8, 1));
        var settings = new MigrationSettings { Strategy = Strategy.Parse("lz4"), BandwidthBps = 1e9, StopRule = StopRuleKind.Xen, BatchPages = 65536 };
        Assert.True(EmulatedMigration.RunInProcess(guest, settings).Exact);
    }

    [Fact]
    public void Every_codec_names_itself_in_frames_by_its_canonical_name()
    {
        // The target takes canonical names only: a codec spelling itself otherwise could never migrate.
        string id = Mecom.Codecs.General.RawDictionary.Register(Corpora.SmallGuest[..(4 * 4096)]);
        foreach (string name in CodecRegistry.DefaultSet.Select(c => c.ToString()).Concat(["raw", "zero", $"zstd-dict:9@{id}", $"mecom:0+zstd-dict:3@{id}", "mecom-bdi:4+zstd:1"]))
        {
            CodecSpec spec = CodecRegistry.Parse(name);
            Assert.Equal(spec.ToString(), CodecRegistry.Create(spec).Name);
        }
    }

    [Theory]
    [InlineData("DEFLATE:1")]
    [InlineData("deflate:01")]
    [InlineData(" deflate:1")]
    [InlineData("zlib:1")]
    [InlineData("mecom:4+lz4")]
    public async Task A_frame_naming_its_codec_in_another_spelling_is_refused(string spelling)
    {
        var (stream, served, client) = TargetPeer.Connect();
        using (client)
        {
            Wire.Write(stream, Wire.Hello, HelloMessage.For(4096, 64, 64, 0, 2).ToPayload());
            Wire.Write(stream, Wire.Frame, EmptyFrame(spelling));
            TargetReport report = await served.WaitAsync(Hang, TestContext.Current.CancellationToken);
            Assert.Contains($"not by its canonical name '{CodecRegistry.Parse(spelling)}'", report.Error);
        }
    }

    [Fact]
    public async Task Frames_naming_more_codecs_than_the_hello_announced_are_refused()
    {
        var (stream, served, client) = TargetPeer.Connect();
        using (client)
        {
            Wire.Write(stream, Wire.Hello, HelloMessage.For(4096, 64, 64, 0, 2).ToPayload());
            foreach (string codec in new[] { "lz4", "deflate:1", "lz4", "deflate:2" })
            {
                Wire.Write(stream, Wire.Frame, EmptyFrame(codec));
            }

            Wire.Write(stream, Wire.RoundEnd, new byte[4]);
            TargetReport report = await served.WaitAsync(Hang, TestContext.Current.CancellationToken);
            Assert.Contains("codec 'deflate:2' would be this session's codec number 3; the source announced at most 2", report.Error);
        }
    }

    [Theory]
    [InlineData("index past the guest")]
    [InlineData("unknown codec")]
    [InlineData("empty payload")]
    public async Task A_frame_that_fails_to_decode_ends_the_session_at_once_with_its_own_reason(string fault)
    {
        // Reported only when the source sent its next message: a peer that sent nothing more held the
        // target for the 60 s idle timeout, then heard "the source closed the connection".
        byte[] memory = Corpora.SmallGuest[..(16 * 4096)];
        var builder = new FrameBuilder(4096, 16);
        builder.Build(memory, Enumerable.Range(0, 16).Select(i => (long)i).ToArray(), CodecRegistry.Create("lz4"));
        byte[] frame = builder.Frame.ToArray();
        string expected;
        switch (fault)
        {
            case "index past the guest":
                BinaryPrimitives.WriteUInt64LittleEndian(frame.AsSpan(BatchFrame.HeaderBytes("lz4")), 99);
                expected = "page index 99 is beyond the target's 16 pages";
                break;
            case "unknown codec":
                frame = EmptyFrame("nosuch");
                expected = "unknown codec 'nosuch'";
                break;
            default:
                frame = EmptyFrame("lz4");
                byte[] record = new byte[BatchFrame.RecordHeaderBytes];
                record[BatchFrame.RecordKindOffset] = BatchFrame.KindCompressed;
                BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(frame.Length - 8), 1);
                BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(frame.Length - 4), (uint)record.Length);
                frame = [.. frame, .. record];
                expected = "page 0";
                break;
        }

        var (stream, served, client) = TargetPeer.Connect();
        using (client)
        {
            Wire.Write(stream, Wire.Hello, HelloMessage.For(4096, 16, 16, 0).ToPayload());
            var clock = Stopwatch.StartNew();
            Wire.Write(stream, Wire.Frame, frame);
            TargetReport report = await served.WaitAsync(Hang, TestContext.Current.CancellationToken);
            Assert.Contains(expected, report.Error);
            Assert.True(clock.Elapsed < Hang, $"{clock.Elapsed.TotalSeconds:F1} s");
            Assert.True(Wire.TryRead(stream, 4096, out byte type, out byte[] text, out int n) && (type == Wire.Error || type == Wire.Progress));
        }
    }

    [Theory]
    [InlineData("silent")]
    [InlineData("trickling")]
    public async Task A_peer_slow_to_finish_the_handshake_is_cut_at_its_deadline(string how)
    {
        var (stream, served, client) = TargetPeer.Connect(new TargetLimits { HandshakeTimeoutMs = 1000 }, answer: false);
        using (client)
        {
            var clock = Stopwatch.StartNew();
            if (how == "trickling")
            {
                // One byte of a real answer every 300 ms: every read makes progress, the handshake never ends.
                byte[] answer = [Wire.Auth, 0, 0, 0, 0];
                for (int i = 0; i < answer.Length && !served.IsCompleted; i++)
                {
                    try
                    {
                        stream.Write(answer, i, 1);
                    }
                    catch (IOException)
                    {
                        break;
                    }

                    Thread.Sleep(300);
                }
            }

            TargetReport report = await served.WaitAsync(Hang, TestContext.Current.CancellationToken);
            Assert.Contains("did not complete the handshake within 1 s", report.Error);
            Assert.True(clock.Elapsed.TotalSeconds < 8, $"{clock.Elapsed.TotalSeconds:F1} s");
        }
    }

    private static GuestSpec Guest() => new("served", Corpora.SmallGuest, 4096, () => new SyntheticWorkload(Corpora.SmallGuest, 4096, 2000, 128, 3));

    private static MigrationRun Source(IPEndPoint endpoint, double bandwidthBps = 1e9)
    {
        using TcpClient client = EmulatedMigration.ConfigureSource(new TcpClient());
        client.Connect(endpoint);
        var settings = new MigrationSettings { Strategy = Strategy.Parse("mecom"), BandwidthBps = bandwidthBps, StopRule = StopRuleKind.Xen };
        return EmulatedMigration.RunSource(client.GetStream(), Guest(), settings);
    }

    private static (IPEndPoint EndPoint, Task<int> Failures, CancellationTokenSource Stop, List<string> Log) Serve(TargetLimits? limits = null)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var stop = new CancellationTokenSource();
        var log = new List<string>();
        var server = new TargetServer(new MigrationTarget(2, limits), listener);
        Task<int> failures = Task.Factory.StartNew(() => server.Run(0, line => { lock (log) { log.Add(line); } }, stop.Token), TaskCreationOptions.LongRunning);
        return ((IPEndPoint)listener.LocalEndpoint, failures, stop, log);
    }

    [Fact]
    public async Task A_silent_peer_does_not_hold_the_target_from_a_real_migration()
    {
        var (endpoint, failures, stop, log) = Serve();
        using var silent = new TcpClient();
        silent.Connect(endpoint);
        using var trickler = new TcpClient();
        trickler.Connect(endpoint);
        trickler.GetStream().WriteByte(Wire.Auth);
        var clock = Stopwatch.StartNew();
        Assert.True(Source(endpoint).Exact);
        Assert.True(clock.Elapsed.TotalSeconds < 30, $"{clock.Elapsed.TotalSeconds:F1} s");
        stop.Cancel();
        Assert.Equal(2, await failures.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken));
        lock (log)
        {
            Assert.Equal(2, log.Count(l => l.Contains("did not complete the handshake")));
        }
    }

    [Fact]
    public async Task A_second_source_is_told_the_target_is_busy_at_once()
    {
        var (endpoint, failures, stop, _) = Serve();
        // A slow first migration (2 Mbit/s) that is surely running when the second comes.
        Task<MigrationRun> first = Task.Factory.StartNew(() => Source(endpoint, 2e6), TaskCreationOptions.LongRunning);
        var wait = Stopwatch.StartNew();
        var seen = new List<string>();
        while (wait.Elapsed.TotalSeconds < 10 && !first.IsCompleted)
        {
            Thread.Sleep(200);
            var clock = Stopwatch.StartNew();
            var e = Record.Exception(() => Source(endpoint));
            seen.Add(e?.Message ?? "no exception");
            if (e is MigrationFailedException { Message: var m } && m.Contains("busy"))
            {
                Assert.True(clock.Elapsed.TotalSeconds < 3, $"{clock.Elapsed.TotalSeconds:F1} s to hear busy");
                Assert.True((await first.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken)).Exact);
                stop.Cancel();
                await failures.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
                return;
            }
        }

        Assert.Fail("no second source was told the target is busy: " + string.Join(" | ", seen));
    }
}
