using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Hashing;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Mecom.Codecs.Framing;

namespace Mecom.Harness.Migration;

/// <summary>The guest a run migrates: its starting memory and what keeps writing it.</summary>
/// <param name="Name">The corpus entry's name.</param>
/// <param name="Image">The memory at migration start (never modified: each run copies it).</param>
/// <param name="PageSize">Page size.</param>
/// <param name="MakeWorkload">A fresh workload per run.</param>
public sealed record GuestSpec(string Name, byte[] Image, int PageSize, Func<GuestWorkload> MakeWorkload)
{
    public long Pages => Image.Length / PageSize;
}

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
    private readonly SourceSender sender;
    private readonly LinkEmulator link;
    private readonly Stopwatch clock;
    private long decodeNs;

    private EmulatedMigration(Stream connection, GuestMemory guest, GuestWorkload workload, MigrationSettings settings, Stopwatch clock)
    {
        this.connection = connection;
        this.guest = guest;
        this.workload = workload;
        this.clock = clock;
        link = new LinkEmulator(connection, settings.BandwidthBps, settings.LatencyMs);
        AdaptiveSelector? selector = settings.Strategy.Adaptive
            ? AdaptiveSelector.Calibrate(settings.Strategy.Codecs, guest.Memory, guest.PageSize, settings.BandwidthBps, settings.EffectiveWorkers)
            : null;
        sender = new SourceSender(settings.Strategy, guest.PageSize, guest.Pages, settings.BatchPages, settings.EffectiveWorkers, settings.DeltaCachePercent, selector, settings.RawAbove);
    }

    public long GuestPages => guest.Pages;

    public int PageSize => guest.PageSize;

    public double NowMs => clock.Elapsed.TotalMilliseconds;

    public RoundRecord SendRound(int round, long[] pages, bool stopAndCopy)
    {
        double start = NowMs;
        long before = link.BytesSent;
        sender.Send(guest.Memory, pages, frame => Wire.Write(link.Write, Wire.Frame, frame.Span));
        Span<byte> number = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(number, round);
        Wire.Write(link.Write, Wire.RoundEnd, number);
        link.Flush();
        return new RoundRecord(round, pages.Length, link.BytesSent - before, start, NowMs - start, 0, stopAndCopy);
    }

    public long CountDirty() => guest.CountDirty();

    public long[] HarvestDirty() => guest.Harvest();

    public void PauseGuest() => workload.Pause();

    public double WaitForTarget()
    {
        Wire.Write(link.Write, Wire.Finish, []);
        link.Flush();
        ReadOnlySpan<byte> done = Expect(Wire.Done, 16, out byte[] buffer);
        double at = NowMs;
        decodeNs = BinaryPrimitives.ReadInt64LittleEndian(done[8..]);
        ArrayPool<byte>.Shared.Return(buffer);
        return at;
    }

    /// <summary>Sends the source's memory hash; true when the target's memory hashes the same.</summary>
    private bool Check()
    {
        Wire.Write(link.Write, Wire.Check, XxHash128.Hash(guest.Memory));
        link.Flush();
        ReadOnlySpan<byte> verdict = Expect(Wire.Verdict, 1, out byte[] buffer);
        bool exact = verdict[0] == 1;
        ArrayPool<byte>.Shared.Return(buffer);
        return exact;
    }

    private ReadOnlySpan<byte> Expect(byte type, int length, out byte[] buffer)
    {
        if (!Wire.TryRead(connection, 4096, out byte got, out buffer, out int n))
        {
            throw new MigrationFailedException("the target closed the connection without answering");
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
    public static MigrationRun RunSource(Stream connection, GuestSpec spec, MigrationSettings settings, Func<byte[]?>? targetMemory = null, Action<RoundRecord>? onRound = null)
    {
        settings.Validate();
        var clock = Stopwatch.StartNew();
        var guest = new GuestMemory((byte[])spec.Image.Clone(), spec.PageSize);
        using GuestWorkload workload = spec.MakeWorkload();
        Wire.Write(connection, Wire.Hello, Wire.HelloPayload(spec.PageSize, spec.Pages, settings.BatchPages, settings.LatencyMs));
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
            throw new MigrationFailedException($"the connection to the target failed: {TargetReason(connection) ?? e.Message}", e);
        }

        byte[]? target = targetMemory?.Invoke();
        if (target is not null)
        {
            exact &= target.AsSpan().SequenceEqual(guest.Memory);
        }

        return Runs.From(spec, settings, outcome, new EngineFigures(
            "emulated", workload.Describe, guest.Writes, (double)engine.sender.Totals.Ticks / Stopwatch.Frequency, engine.decodeNs / 1e9, engine.sender.PageCounts, exact));
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

    /// <summary>Source and target in this process, over a loopback TCP connection.</summary>
    public static MigrationRun RunInProcess(GuestSpec spec, MigrationSettings settings, Action<RoundRecord>? onRound = null)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var target = new MigrationTarget(settings.EffectiveWorkers);
        Task<TargetReport> served = Task.Factory.StartNew(() =>
        {
            using TcpClient accepted = listener.AcceptTcpClient();
            accepted.NoDelay = true;
            return target.Serve(accepted.GetStream());
        }, TaskCreationOptions.LongRunning);

        using var client = new TcpClient { NoDelay = true };
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
        sender.Dispose();
        link.Dispose();
    }
}
