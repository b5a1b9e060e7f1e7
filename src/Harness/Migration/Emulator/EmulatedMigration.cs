using System.Buffers;
using System.Diagnostics;
using System.IO.Hashing;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Mecom.Codecs.Framing;
using Mecom.Codecs.General;

namespace Mecom.Harness.Migration.Emulator;

/// <summary>A migration that could not finish: what happened, on which side.</summary>
public sealed class MigrationFailedException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The emulated migration: the source side of <see cref="IPrecopyEngine"/> over a real connection through
/// a <see cref="LinkEmulator"/>, with the guest writing its memory meanwhile; and the in-process form that
/// runs the target on a loopback socket beside it.
/// </summary>
public sealed class EmulatedMigration : IPrecopyEngine, IDisposable
{
    private readonly Stream connection;
    private readonly GuestMemory guest;
    private readonly GuestWorkload workload;
    private readonly MigrationSettings settings;
    private readonly AdaptiveSelector? selector;
    private readonly LinkEmulator link;
    // Made in the constructor, or in round 0 once the dictionary its codecs need is built and sent.
    private SourceSender? sender;
    private readonly Stopwatch clock;
    private long decodeNs;

    private EmulatedMigration(Stream connection, GuestMemory guest, GuestWorkload workload, MigrationSettings settings, Stopwatch clock)
    {
        this.connection = connection;
        this.guest = guest;
        this.workload = workload;
        this.clock = clock;
        link = new LinkEmulator(connection, settings.BandwidthBps, settings.LatencyMs, settings.SendBufferBytes);
        this.settings = settings;
        selector = settings.Strategy.Adaptive
            ? AdaptiveSelector.Calibrate(settings.Strategy.Codecs, guest.Memory, guest.PageSize, settings.BandwidthBps, settings.EffectiveWorkers,
                settings.SharedHosts ? Environment.ProcessorCount : null)
            : null;
        if (!settings.Strategy.NeedsDictionary)
        {
            sender = NewSender(settings.Strategy);
        }
    }

    private SourceSender Sender => sender ?? throw new InvalidOperationException("no round was sent");

    /// <summary>The session's message keys when the handshake used a token: every message the link carries is signed in order.</summary>
    private MessageMac? Mac => ((CountingStream)connection).Mac;

    private SourceSender NewSender(Strategy strategy) =>
        new(strategy, guest.PageSize, guest.Pages, settings.BatchPages, settings.EffectiveWorkers, settings.DeltaCachePercent, selector, settings.RawAbove);

    /// <summary>
    /// At migration start, with the guest running: builds the dictionary from its memory, sends it ahead of
    /// the first frame, and returns the strategy bound to it. Its time and bytes are round 0's.
    /// </summary>
    private Strategy SendDictionary()
    {
        (string id, byte[] packed) = RawDictionary.Prepare(guest.Memory, guest.PageSize);
        Wire.Write(link.Write, Wire.Dictionary, packed, Mac);
        return settings.Strategy.WithDictionary(id);
    }

    public long GuestPages => guest.Pages;

    public int PageSize => guest.PageSize;

    public double NowMs => clock.Elapsed.TotalMilliseconds;

    public RoundRecord SendRound(int round, long[] pages, bool stopAndCopy)
    {
        double start = NowMs;
        long before = link.BytesSent;
        sender ??= NewSender(SendDictionary());
        sender.Send(guest.Memory, pages, frame => Wire.Write(link.Write, Wire.Frame, frame.Span, Mac));
        Span<byte> number = stackalloc byte[RoundEndMessage.Bytes];
        new RoundEndMessage(round).Write(number);
        Wire.Write(link.Write, Wire.RoundEnd, number, Mac);
        link.Flush();
        return new RoundRecord(round, pages.Length, link.BytesSent - before, start, NowMs - start, 0, stopAndCopy);
    }

    public long CountDirty() => guest.CountDirty();

    public long[] HarvestDirty() => guest.Harvest();

    public void PauseGuest() => workload.Pause();

    public double WaitForTarget()
    {
        Wire.Write(link.Write, Wire.Finish, [], Mac);
        link.Flush();
        ReadOnlySpan<byte> done = Expect(Wire.Done, DoneMessage.Bytes, out byte[] buffer);
        double at = NowMs;
        decodeNs = DoneMessage.Read(done).DecodeNs;
        ArrayPool<byte>.Shared.Return(buffer);
        return at;
    }

    /// <summary>Sends the source's memory hash; true when the target's memory hashes the same.</summary>
    private bool Check()
    {
        Wire.Write(link.Write, Wire.Check, XxHash128.Hash(guest.Memory), Mac);
        link.Flush();
        ReadOnlySpan<byte> verdict = Expect(Wire.Verdict, VerdictMessage.Bytes, out byte[] buffer);
        bool exact = VerdictMessage.Read(verdict).Exact;
        ArrayPool<byte>.Shared.Return(buffer);
        return exact;
    }

    /// <summary>
    /// Reads the target's next answer, passing over its progress reports; gives up when the target has
    /// received nothing for <see cref="StallTimeoutMs"/> while bytes are still on their way to it.
    /// </summary>
    private ReadOnlySpan<byte> Expect(byte type, int length, out byte[] buffer)
    {
        var counted = (CountingStream)connection;
        long acked = -1;
        var since = Stopwatch.StartNew();
        byte got;
        int n;
        while (true)
        {
            if (!Wire.TryRead(connection, Wire.MaxErrorBytes, out got, out buffer, out n))
            {
                throw new MigrationFailedException("the target closed the connection without answering");
            }

            if (got != Wire.Progress || n != ProgressMessage.Bytes)
            {
                break;
            }

            long received = ProgressMessage.Read(buffer.AsSpan(0, n)).BytesReceived;
            ArrayPool<byte>.Shared.Return(buffer);
            if (received > acked)
            {
                acked = received;
                since.Restart();
            }
            else if (received < counted.BytesWritten && since.ElapsedMilliseconds > StallTimeoutMs)
            {
                throw new MigrationFailedException(
                    $"the target stopped reading: it has received {received:N0} of the {counted.BytesWritten:N0} bytes sent, and nothing more for {StallTimeoutMs / 1000} s");
            }
        }

        if (got == Wire.Error)
        {
            string text = Encoding.UTF8.GetString(buffer, 0, n);
            ArrayPool<byte>.Shared.Return(buffer);
            throw new MigrationFailedException($"the target failed: {text}");
        }

        if (got != type || n != length)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw new MigrationFailedException($"the target answered message type 0x{got:x2} of {n} bytes where 0x{type:x2} of {length} was due");
        }

        return buffer.AsSpan(0, n);
    }

    /// <summary>
    /// Migrates <paramref name="spec"/> over <paramref name="connection"/> (a connected target) and returns
    /// the run; <paramref name="targetMemory"/>, when known (in-process), is compared byte for byte too.
    /// </summary>
    public static MigrationRun RunSource(Stream socket, GuestSpec spec, MigrationSettings settings, Func<byte[]?>? targetMemory = null, Action<RoundRecord>? onRound = null, string? token = null)
    {
        settings.Validate();
        long frame = Wire.FrameLimit(spec.PageSize, Math.Min(spec.Pages, settings.BatchPages));
        if (frame > Wire.MaxFrameBytes)
        {
            throw new ArgumentException($"--batch {settings.BatchPages} pages of {spec.PageSize} bytes make frames of up to {frame:N0} bytes, over the {Wire.MaxFrameBytes:N0} a target reads in one message");
        }

        var connection = new CountingStream(socket);
        Authenticate(connection, token);
        using MessageMac? keys = connection.Mac;
        var clock = Stopwatch.StartNew();
        var guest = new GuestMemory((byte[])spec.Image.Clone(), spec.PageSize);
        using GuestWorkload workload = spec.MakeWorkload();
        Wire.Write(connection, Wire.Hello, Hello(spec, settings).ToPayload());
        using var engine = new EmulatedMigration(connection, guest, workload, settings, clock);
        // Migration time starts with the guest running and the source ready: copying the image and
        // allocating buffers is this emulator's set-up, not part of any migration.
        // A full collection now, while nothing is timed: the images just copied would otherwise invite one mid-run.
        GC.Collect(2, GCCollectionMode.Forced, blocking: true);
        clock.Restart();
        workload.Start(guest);
        PrecopyOutcome outcome;
        bool exact;
        try
        {
            outcome = Precopy.Run(engine, IStopRule.Create(settings), settings.ResumeMs, settings.MaxSeconds * 1000, onRound);
            exact = engine.Check();
        }
        catch (IOException e)
        {
            workload.Pause();
            throw new MigrationFailedException($"the connection to the target failed: {TargetReason(connection) ?? Describe(e)}", e);
        }

        byte[]? target = targetMemory?.Invoke();
        if (target is not null)
        {
            exact &= target.AsSpan().SequenceEqual(guest.Memory);
        }

        return Runs.From(spec, settings, outcome, new EngineFigures(
            "emulated", workload.Describe, guest.Writes, (double)engine.Sender.Totals.Ticks / Stopwatch.Frequency, engine.decodeNs / 1e9, engine.Sender.PageCounts, exact));
    }

    /// <summary>The hello announces what the target must hold: the codecs frames will name, and the dictionary's bound.</summary>
    internal static HelloMessage Hello(GuestSpec spec, MigrationSettings settings) =>
        HelloMessage.For(spec.PageSize, spec.Pages, settings.BatchPages, settings.LatencyMs, settings.Strategy.Codecs.Count,
            settings.Strategy.NeedsDictionary ? Wire.DictionaryPayloadBound(RawDictionary.DefaultBytes) : 0);

    private static string Describe(IOException e) =>
        e.InnerException is SocketException { SocketErrorCode: SocketError.TimedOut or SocketError.WouldBlock }
            ? "the target stopped reading (no progress within the I/O timeout)"
            : e.Message;

    /// <summary>Mutual authentication (<see cref="Handshake.Source"/>): refusals become one-line failures.</summary>
    private static void Authenticate(CountingStream connection, string? token)
    {
        try
        {
            Handshake.Source(connection, token);
        }
        catch (IOException e)
        {
            throw new MigrationFailedException(e is WireException ? e.Message : $"the connection to the target failed during authentication: {e.Message}", e);
        }
    }

    private static string? TargetReason(Stream connection)
    {
        try
        {
            if (connection is NetworkStream ns)
            {
                ns.Socket.ReceiveTimeout = 1000;
            }

            // The target says why before it hangs up; frames it never read are discarded.
            while (Wire.TryRead(connection, 1 << 20, out byte type, out byte[] buffer, out int n))
            {
                string? text = type == Wire.Error ? Encoding.UTF8.GetString(buffer, 0, n) : null;
                ArrayPool<byte>.Shared.Return(buffer);
                if (text is not null)
                {
                    return "the target failed: " + text;
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
        }

        return null;
    }

    /// <summary>A write that makes no progress for this long means the peer stopped reading.</summary>
    public const int StallTimeoutMs = 3000;

    /// <summary>How long the source waits for any message: a live target reports progress twice a second.</summary>
    public const int AnswerTimeoutMs = StallTimeoutMs;

    /// <summary>How long a target waits for a silent source before it gives the session up.</summary>
    public const int IdleSourceTimeoutMs = 60_000;

    public static TcpClient ConfigureSource(TcpClient client)
    {
        client.NoDelay = true;
        client.SendTimeout = StallTimeoutMs;
        client.ReceiveTimeout = AnswerTimeoutMs;
        return client;
    }

    public static TcpClient ConfigureTarget(TcpClient client)
    {
        client.NoDelay = true;
        client.SendTimeout = StallTimeoutMs;
        client.ReceiveTimeout = IdleSourceTimeoutMs;
        return client;
    }

    /// <summary>Source and target in this process, over a loopback TCP connection.</summary>
    public static MigrationRun RunInProcess(GuestSpec spec, MigrationSettings settings, Action<RoundRecord>? onRound = null)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var target = new MigrationTarget(settings.EffectiveWorkers);
        Task<TargetReport> served = Task.Factory.StartNew(() =>
        {
            using TcpClient accepted = ConfigureTarget(listener.AcceptTcpClient());
            return target.Serve(accepted.GetStream());
        }, TaskCreationOptions.LongRunning);

        using TcpClient client = ConfigureSource(new TcpClient());
        client.Connect(IPAddress.Loopback, port);
        try
        {
            MigrationRun run = RunSource(client.GetStream(), spec, settings, () => served.Result.Memory, onRound);
            TargetReport report = served.Result;
            return run with { Exact = run.Exact && report.Exact && report.Error is null };
        }
        catch (MigrationFailedException) when (served.Wait(5000) && served.Result.Error is { } why)
        {
            throw new MigrationFailedException($"the target failed: {why}");
        }
    }

    public void Dispose()
    {
        sender?.Dispose();
        link.Dispose();
    }
}
