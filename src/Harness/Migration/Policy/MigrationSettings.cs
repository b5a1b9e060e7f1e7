namespace Mecom.Harness.Migration.Policy;

/// <summary>Which rule ends the iterative rounds.</summary>
public enum StopRuleKind
{
    /// <summary>Xen's classic rule: 29 rounds, fewer than 50 dirty pages, or 3x the memory sent.</summary>
    Xen,

    /// <summary>QEMU's: the remaining dirty pages would go within the downtime limit at the measured rate.</summary>
    Qemu,
}

/// <summary>Everything one migration run is configured by, strategy and link included.</summary>
public sealed record MigrationSettings
{
    public required Strategy Strategy { get; init; }

    /// <summary>Link rate, bits per second.</summary>
    public double BandwidthBps { get; init; } = 1e9;

    /// <summary>One-way link latency, each direction.</summary>
    public double LatencyMs { get; init; }

    /// <summary>
    /// The source's socket send buffer: bytes it hands over, and counts as sent, before the link has carried
    /// them (0: none, the source waits for the link). QEMU's migration socket holds up to Linux's
    /// <c>tcp_wmem</c> maximum, 4 MiB by default (<see cref="QemuSendBufferBytes"/>).
    /// </summary>
    public long SendBufferBytes { get; init; }

    /// <summary>
    /// What QEMU 7.2's migration socket held on Debian 12 (<c>ss -tmi</c> during a 100 Mbit/s migration through
    /// the bridges: <c>tb4194304</c>, 2.9-3.9 MB not yet sent throughout; docs/results/qemu-migrate.md).
    /// </summary>
    public const long QemuSendBufferBytes = 4 << 20;

    public StopRuleKind StopRule { get; init; } = StopRuleKind.Qemu;

    /// <summary>QEMU's <c>downtime-limit</c>.</summary>
    public double DowntimeLimitMs { get; init; } = 300;

    /// <summary>Most iterative rounds (round 0 included) before stop-and-copy; Xen's is 29 + 1.</summary>
    public int MaxRounds { get; init; } = 30;

    /// <summary>Added to downtime for the guest's resume on the target (device state, vCPU restart).</summary>
    public double ResumeMs { get; init; }

    public int BatchPages { get; init; } = 128;

    /// <summary>A page whose compressed record would exceed this fraction of the page is sent raw (saves the target's decode; 1 = only when it does not shrink).</summary>
    public double RawAbove { get; init; } = 1;

    /// <summary>
    /// Source and target share one machine's cores (the in-process emulator; the simulator by default),
    /// instead of each having its own: the simulator's core schedule and the adaptive selector's CPU term.
    /// </summary>
    public bool SharedHosts { get; init; } = true;

    /// <summary>Compressing threads on the source, decompressing threads on the target; 0 = cores.</summary>
    public int Workers { get; init; }

    /// <summary>Old-page cache for delta strategies, % of guest memory (QEMU's XBZRLE cache).</summary>
    public double DeltaCachePercent { get; init; } = 25;

    /// <summary>Trace time runs this many times faster than wall time (guest speed-up).</summary>
    public double TimeScale { get; init; } = 1;

    /// <summary>Synthetic guest instead of the trace: pages written per second, or null.</summary>
    public double? DirtyRate { get; init; }

    /// <summary>Synthetic guest: the pages it writes to (its hot set).</summary>
    public long HotSet { get; init; } = 4096;

    public int Seed { get; init; } = 1;

    /// <summary>Hard cap on the wall time of one run: a guest that outruns the link still ends.</summary>
    public double MaxSeconds { get; init; } = 600;

    public int EffectiveWorkers => Workers > 0 ? Workers : Environment.ProcessorCount;

    public void Validate()
    {
        Check(BandwidthBps is >= 1e5 and <= 1e12, $"bandwidth {BandwidthBps} bit/s is outside 100kbit..1tbit");
        Check(LatencyMs is >= 0 and <= MigrationTarget.MaxReplyDelayUs / 1000, $"--latency {LatencyMs} ms is outside 0..{MigrationTarget.MaxReplyDelayUs / 1000} (one way; a satellite hop is about 270)");
        Check(DowntimeLimitMs is > 0 and <= 600_000, $"--downtime-limit {DowntimeLimitMs} ms is outside (0, 600000]");
        Check(MaxRounds is >= 1 and <= 10_000, $"--max-rounds {MaxRounds} is outside 1..10000");
        Check(ResumeMs is >= 0 and <= 60_000, $"--resume-ms {ResumeMs} is outside 0..60000");
        Check(SendBufferBytes is >= 0 and <= 1L << 30, $"--send-buffer-kib {SendBufferBytes / 1024} is outside 0..1048576");
        Check(BatchPages is >= 1 and <= 65536, $"--batch {BatchPages} pages is outside 1..65536");
        Check(RawAbove is > 0 and <= 1, $"--raw-above {RawAbove} is outside (0, 1]");
        Check(Workers is >= 0 and <= 256, $"--workers {Workers} is outside 0..256 (0 = cores)");
        Check(DeltaCachePercent is > 0 and <= 100, $"--cache-percent {DeltaCachePercent} is outside (0, 100]");
        Check(TimeScale is > 0 and <= 1000, $"--time-scale {TimeScale} is outside (0, 1000]");
        Check(DirtyRate is null or (>= 0 and <= 10_000_000), $"--dirty-rate {DirtyRate} pages/s is outside 0..10000000");
        Check(HotSet >= 1, $"--hot-set {HotSet} must be at least 1 page");
        Check(MaxSeconds > 0, "--max-seconds must be positive");
    }

    private static void Check(bool ok, string message)
    {
        if (!ok)
        {
            throw new ArgumentException(message);
        }
    }
}
