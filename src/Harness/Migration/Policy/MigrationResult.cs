using System.Text.Json.Serialization;

namespace Mecom.Harness.Migration.Policy;

/// <summary>One round of a finished run, as the JSON <c>perRound</c> list holds it.</summary>
public sealed record RoundReport(int Round, long Pages, long Bytes, double StartMs, double DurationMs, long DirtyAfter, double DirtyRatePagesPerSec, bool StopAndCopy)
{
    public static RoundReport From(RoundRecord r) =>
        new(r.Round, r.Pages, r.WireBytes, Math.Round(r.StartMs, 3), Math.Round(r.DurationMs, 3), r.DirtyAfter, Math.Round(r.DirtyRate, 1), r.StopAndCopy);
}

/// <summary>One migration run: a strategy at a bandwidth on one guest. The JSON <c>runs</c> list holds these.</summary>
public sealed record MigrationRun
{
    public required string Corpus { get; init; }

    public required string Strategy { get; init; }

    public required double BandwidthBps { get; init; }

    public string Bandwidth => Migration.Protocol.Bandwidth.Format(BandwidthBps);

    public double LatencyMs { get; init; }

    /// <summary>"emulated" (real connection, real time) or "simulated" (virtual time).</summary>
    public required string Mode { get; init; }

    public required string StopRule { get; init; }

    public required string StopReason { get; init; }

    public required string Workload { get; init; }

    public long GuestPages { get; init; }

    public int PageSize { get; init; }

    public required double DowntimeMs { get; init; }

    public required double TotalTimeMs { get; init; }

    /// <summary>Every byte on the wire, message and frame headers included.</summary>
    public required long BytesSent { get; init; }

    public long PagesSent { get; init; }

    /// <summary>Rounds including stop-and-copy.</summary>
    public int Rounds { get; init; }

    public required bool Exact { get; init; }

    /// <summary>Pages the guest wrote per second while pre-copy ran.</summary>
    public double DirtyRatePagesPerSec { get; init; }

    public double CompressCpuSeconds { get; init; }

    public double DecompressCpuSeconds { get; init; }

    public IReadOnlyDictionary<string, long> PageCounts { get; init; } = new Dictionary<string, long>();

    public IReadOnlyList<RoundReport> PerRound { get; init; } = [];

    /// <summary>Reductions against the <c>raw</c> run of the same corpus and bandwidth (0.3 = 30% less), when there is one.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Reduction? VsRaw { get; init; }

    /// <summary>Why the run failed, when it did.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Error { get; init; }

    /// <summary>
    /// <c>simulate --validate --pairs</c>: the repeat the run belongs to, counted from 0; a simulated and an
    /// emulated run of the same corpus, strategy, bandwidth and repeat are a pair.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Repeat { get; init; }

    /// <summary><c>qemu-migrate</c>: a real QEMU migration's own figures, the host's and the guest's.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Qemu.QemuFigures? Qemu { get; init; }
}

/// <summary>What an engine adds to the pre-copy outcome to make a run.</summary>
internal sealed record EngineFigures(string Mode, string Workload, long GuestWrites, double CompressSeconds, double DecompressSeconds, IReadOnlyDictionary<string, long> PageCounts, bool Exact);

internal static class Runs
{
    /// <summary>Hello and Finish, which no round counts.</summary>
    public const long HandshakeBytes = Wire.HeaderBytes + HelloMessage.Bytes + Wire.HeaderBytes;

    public static MigrationRun From(GuestSpec spec, MigrationSettings settings, PrecopyOutcome outcome, EngineFigures figures) => new()
    {
        Corpus = spec.Name,
        Strategy = settings.Strategy.Name,
        BandwidthBps = settings.BandwidthBps,
        LatencyMs = settings.LatencyMs,
        Mode = figures.Mode,
        StopRule = settings.StopRule.ToString().ToLowerInvariant(),
        StopReason = outcome.StopReason,
        Workload = figures.Workload,
        GuestPages = spec.Pages,
        PageSize = spec.PageSize,
        DowntimeMs = Math.Round(outcome.DowntimeMs, 3),
        TotalTimeMs = Math.Round(outcome.TotalTimeMs, 3),
        BytesSent = outcome.Rounds.Sum(r => r.WireBytes) + HandshakeBytes,
        PagesSent = outcome.Rounds.Sum(r => r.Pages),
        Rounds = outcome.Rounds.Count,
        Exact = figures.Exact,
        DirtyRatePagesPerSec = Math.Round(figures.GuestWrites / Math.Max(outcome.PausedAtMs / 1000, 1e-3), 1),
        CompressCpuSeconds = Math.Round(figures.CompressSeconds, 4),
        DecompressCpuSeconds = Math.Round(figures.DecompressSeconds, 4),
        PageCounts = new SortedDictionary<string, long>(figures.PageCounts.ToDictionary(), StringComparer.Ordinal),
        PerRound = outcome.Rounds.Select(RoundReport.From).ToArray(),
    };
}

public sealed record Reduction(double Downtime, double TotalTime, double Data)
{
    /// <summary>MECOM's reductions against plain pre-copy (Jin et al., FGCS 38, 2014): downtime, total time, data.</summary>
    public static readonly Reduction Paper = new(0.271, 0.32, 0.688);
}

/// <summary>The file <c>mecom migrate --json</c> writes.</summary>
public sealed record MigrationReport
{
    public int Schema { get; init; } = 1;

    /// <summary>Where the file came from; null in files written before it was recorded.</summary>
    public Measure.Provenance? Made { get; init; }

    public required Measure.MachineInfo Machine { get; init; }

    public required string Commit { get; init; }

    public required DateTimeOffset Date { get; init; }

    public required IReadOnlyList<MigrationRun> Runs { get; init; }

    /// <summary>A report of <paramref name="runs"/> made here and now: this machine, this commit.</summary>
    public static MigrationReport Here(IReadOnlyList<MigrationRun> runs)
    {
        var made = Measure.Provenance.Here();
        return new() { Made = made, Machine = made.Machine, Commit = made.Commit, Date = made.Date, Runs = runs };
    }

    /// <summary>Fills <see cref="MigrationRun.VsRaw"/> from the raw run of the same corpus, bandwidth and mode.</summary>
    public static IReadOnlyList<MigrationRun> WithReductions(IReadOnlyList<MigrationRun> runs) => runs.Select(r =>
    {
        MigrationRun? raw = runs.FirstOrDefault(b => b.Strategy == "raw" && b.Corpus == r.Corpus && b.BandwidthBps == r.BandwidthBps && b.Mode == r.Mode && b.Error is null);
        return raw is null || r.Error is not null ? r : r with
        {
            VsRaw = new Reduction(
                Math.Round(1 - r.DowntimeMs / raw.DowntimeMs, 4),
                Math.Round(1 - r.TotalTimeMs / raw.TotalTimeMs, 4),
                Math.Round(1 - (double)r.BytesSent / raw.BytesSent, 4)),
        };
    }).ToArray();
}
