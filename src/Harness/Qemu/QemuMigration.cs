using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Mecom.Harness.Bridge;

namespace Mecom.Harness.Qemu;

/// <summary>How <c>qemu-migrate</c> runs each migration.</summary>
public sealed record QemuRunSettings
{
    public required string QemuBinary { get; init; }

    public required GuestImage Guest { get; init; }

    public required string WorkDir { get; init; }

    public int RamMib { get; init; } = 128;

    public string Accelerator { get; init; } = "tcg";

    public int Workers { get; init; }

    public double LatencyMs { get; init; }

    /// <summary>How long the source guest runs after it is ready, before the migration starts.</summary>
    public TimeSpan Settle { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>How long after the migration the target must still be running.</summary>
    public TimeSpan HealthWait { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan BootTimeout { get; init; } = TimeSpan.FromMinutes(4);

    public TimeSpan MigrationTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Capture the source guest into this corpus entry just before migrating (as <c>corpus capture-vm</c>: 6 dumps 1 s apart).</summary>
    public string? CaptureStem { get; init; }
}

/// <summary>
/// One real migration: a freshly booted source QEMU, a target QEMU waiting with <c>-incoming</c>, the
/// bridges between them in this process, QMP on both sides; returns the run as <c>migrate</c> reports runs,
/// with QEMU's, the host's and the guest's figures.
/// </summary>
public static class QemuMigration
{
    /// <summary>QEMU's own max-bandwidth, set high (10 Gbit/s, in bytes per second) so the bridges' link is everyone's bottleneck.</summary>
    public const long QemuMaxBandwidth = 1_250_000_000;

    public static MigrationRun Run(QemuPeer peer, double bitsPerSecond, QemuRunSettings settings, string version, Action<string>? status = null)
    {
        string dir = Path.Combine(settings.WorkDir, $"{peer.Name.Replace(':', '-')}-{Guid.NewGuid():N}"[..^24]);
        Directory.CreateDirectory(dir);
        status?.Invoke($"{peer.Name} at {Bandwidth.Format(bitsPerSecond)}: booting the source");
        using QemuProcess source = QemuProcess.Start(settings.QemuBinary, dir, "source", settings.Guest, settings.RamMib, settings.Accelerator, incoming: false);
        if (settings.Guest.ReadyLine is { } ready
            && !source.Console.WaitFor(ready, settings.BootTimeout, () => source.HasExited || Panicked(source)))
        {
            string tail = string.Join(" | ", source.Console.Lines.TakeLast(3).Select(l => l.Line));
            throw new InvalidOperationException($"the source guest did not print {ready} within {settings.BootTimeout.TotalSeconds:0} s (console: {tail}; QEMU: {source.Output()})");
        }

        Thread.Sleep(settings.Settle);
        if (settings.CaptureStem is { } stem)
        {
            status?.Invoke($"{peer.Name} at {Bandwidth.Format(bitsPerSecond)}: capturing the guest into {stem}");
            var dirty = Corpus.VmCapture.Capture(source.Qmp!, settings.RamMib, stem, epochs: 5, intervalMs: 1000,
                $"the qemu-migrate {settings.Guest.Kind} guest ({settings.RamMib} MiB, 1 vCPU), captured just before its migration",
                $"{version}, {settings.Accelerator}, -machine pc -cpu qemu64 -smp 1 -m {settings.RamMib}; {settings.Guest.Append ?? "no kernel"}");
            status?.Invoke($"{peer.Name} at {Bandwidth.Format(bitsPerSecond)}: captured, dirty pages per epoch {string.Join(", ", dirty)}");
        }

        using QemuProcess target = QemuProcess.Start(settings.QemuBinary, dir, "target", settings.Guest, settings.RamMib, settings.Accelerator, incoming: true);
        foreach (QemuProcess side in new[] { source, target })
        {
            if (peer.Capabilities.Count > 0)
            {
                side.Qmp!.Execute("migrate-set-capabilities", new { capabilities = peer.Capabilities.Select(c => new { capability = c, state = true }).ToArray() });
            }

            if (peer.Parameters.Count > 0)
            {
                side.Qmp!.Execute("migrate-set-parameters", peer.Parameters);
            }
        }

        source.Qmp!.Execute("migrate-set-parameters", new Dictionary<string, object> { ["max-bandwidth"] = QemuMaxBandwidth });
        int targetPort = FreePort();
        target.Qmp!.Execute("migrate-incoming", new { uri = $"tcp:127.0.0.1:{targetPort}" });

        BridgeOptions options = BridgeOptions.For(peer.BridgeStrategy, bitsPerSecond, settings.LatencyMs, settings.Workers) with { MaxDuration = settings.MigrationTimeout };
        using var targetBridge = new TargetBridge(new IPEndPoint(IPAddress.Loopback, 0), new IPEndPoint(IPAddress.Loopback, targetPort), settings.MigrationTimeout);
        using var sourceBridge = new SourceBridge(new IPEndPoint(IPAddress.Loopback, 0), targetBridge.LocalEndPoint, options);
        Task<BridgeReport> targetSide = Task.Factory.StartNew(() => targetBridge.Run(), TaskCreationOptions.LongRunning);
        Task<BridgeReport> sourceSide = Task.Factory.StartNew(() => sourceBridge.Run(), TaskCreationOptions.LongRunning);

        status?.Invoke($"{peer.Name} at {Bandwidth.Format(bitsPerSecond)}: migrating");
        double cpuBefore = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
        DateTimeOffset started = DateTimeOffset.UtcNow;
        source.Qmp.Execute("migrate", new { uri = $"tcp:127.0.0.1:{sourceBridge.LocalEndPoint.Port}" });
        JsonNode info = WaitForEnd(source, settings.MigrationTimeout);
        DateTimeOffset qemuDone = DateTimeOffset.UtcNow;
        string state = info["status"]?.GetValue<string>() ?? "unknown";

        // The target announces RESUME when it runs the guest; ask until it does (or a few seconds pass).
        var clock = Stopwatch.StartNew();
        while (state == "completed" && !target.Qmp.Events.Any(e => e.Name == "RESUME") && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            target.Qmp.Execute("query-status");
            Thread.Sleep(20);
        }

        bool bridgesEnded = Task.WaitAll([sourceSide, targetSide], TimeSpan.FromSeconds(60));
        double tailMs = (DateTimeOffset.UtcNow - qemuDone).TotalMilliseconds;
        double bridgesCpu = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds - cpuBefore;
        BridgeReport? sent = bridgesEnded ? sourceSide.Result : null;
        BridgeReport? received = bridgesEnded ? targetSide.Result : null;

        // A capture stops the guest too: only the events of the migration count.
        DateTimeOffset? stop = source.Qmp.Events.FirstOrDefault(e => e.Name == "STOP" && e.Time >= started)?.Time;
        DateTimeOffset? resume = target.Qmp.Events.FirstOrDefault(e => e.Name == "RESUME")?.Time;
        double? hostDowntime = stop is { } s && resume is { } r ? Math.Round((r - s).TotalMilliseconds, 3) : null;

        status?.Invoke($"{peer.Name} at {Bandwidth.Format(bitsPerSecond)}: checking the target for {settings.HealthWait.TotalSeconds:0} s");
        Thread.Sleep(settings.HealthWait);
        bool running = !target.HasExited && target.Qmp.Execute("query-status")?["status"]?.GetValue<string>() == "running";
        // Alive: a PROGRESS line within 2 s of now, or a new one within 10 s (a loaded host slows the TCG guest).
        DateTimeOffset checkedAt = DateTimeOffset.UtcNow;
        bool? alive = settings.Guest.Kind == "linux"
            ? target.Console.WaitFor(l => l.Seen > checkedAt - TimeSpan.FromSeconds(2) && l.Line.StartsWith("PROGRESS", StringComparison.Ordinal), TimeSpan.FromSeconds(10))
            : null;

        JsonNode? ram = info["ram"];
        var query = new QueryMigrateFigures(
            state, Number(info["total-time"]), Number(info["downtime"]), Number(info["setup-time"]), (long)Number(ram?["transferred"]),
            (long)Number(ram?["dirty-sync-count"]), (long)Number(ram?["normal"]), (long)Number(ram?["duplicate"]));
        DateTimeOffset? readAll = sent?.Channels.Max(c => c.StreamEndedAt);
        DateTimeOffset? wroteAll = received?.Channels.Max(c => c.StreamEndedAt);
        DowntimeParts? parts = stop is { } s0 && resume is { } r0 && readAll is { } a && wroteAll is { } b
            ? new DowntimeParts(Math.Round((a - s0).TotalMilliseconds, 1), Math.Round((b - a).TotalMilliseconds, 1), Math.Round((r0 - b).TotalMilliseconds, 1))
            : null;
        var figures = new QemuFigures(
            settings.Accelerator, version, settings.Guest.Kind, settings.RamMib, query, hostDowntime, parts, sent?.StreamBytes ?? 0, sent?.WireBytes ?? 0,
            new CpuFigures(source.CpuSeconds(), target.CpuSeconds(), Math.Round(bridgesCpu, 3)), Math.Round(tailMs, 1),
            new TargetHealth(settings.HealthWait.TotalSeconds, running, alive),
            settings.Guest.Kind == "linux" ? ProgressLines.Read(source.Console.Lines, target.Console.Lines, started, stop) : null);

        string? error = state != "completed" ? $"QEMU's migration ended {state}{(info["error-desc"] is { } d ? $": {d}" : "")}"
            : !bridgesEnded ? "the bridges did not end within 60 s of QEMU's completion"
            : sent!.Error ?? received!.Error;
        bool exact = sent is { Exact: true } && received is { Exact: true };
        return new MigrationRun
        {
            Corpus = settings.Guest.Kind == "linux" ? $"qemu-linux-{settings.RamMib}mib" : $"qemu-seabios-{settings.RamMib}mib",
            Strategy = peer.Name,
            BandwidthBps = bitsPerSecond,
            LatencyMs = settings.LatencyMs,
            Mode = "qemu",
            StopRule = "qemu",
            StopReason = state,
            Workload = settings.Guest.Kind == "linux" ? settings.Guest.Append![(settings.Guest.Append!.IndexOf("records=", StringComparison.Ordinal))..] : "firmware idle",
            GuestPages = (long)settings.RamMib * 256,
            PageSize = QemuStreamFormat.PageSize,
            DowntimeMs = hostDowntime ?? query.DowntimeMs,
            TotalTimeMs = query.TotalTimeMs,
            BytesSent = figures.WireBytes,
            PagesSent = query.NormalPages + query.ZeroPages,
            Rounds = (int)query.DirtySyncCount,
            Exact = exact && state == "completed",
            CompressCpuSeconds = 0,
            PageCounts = new SortedDictionary<string, long>(StringComparer.Ordinal) { ["normal"] = query.NormalPages, ["zero"] = query.ZeroPages },
            Error = exact && error is null ? null : error ?? "the stream the target QEMU read is not the one the source wrote",
            Qemu = figures,
        };
    }

    private static bool Panicked(QemuProcess p) =>
        p.Console.Lines.Any(l => l.Line.Contains("Kernel panic", StringComparison.Ordinal) || l.Line.Contains("Out of memory", StringComparison.Ordinal));

    private static JsonNode WaitForEnd(QemuProcess source, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            JsonNode info = source.Qmp!.Execute("query-migrate") ?? new JsonObject();
            string? state = info["status"]?.GetValue<string>();
            if (state is "completed" or "failed" or "cancelled" || clock.Elapsed > timeout)
            {
                return info;
            }

            Thread.Sleep(20);
        }
    }

    private static double Number(JsonNode? node) => node is JsonValue v && v.TryGetValue(out double d) ? d : 0;

    private static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }
}
