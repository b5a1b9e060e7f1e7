
namespace Mecom.Harness.Gate;

/// <summary>
/// The migration half of a baseline: simulated migrations of the shipped VM with free CPUs, so every figure
/// (bytes on the wire, rounds, downtime, total time) follows from the codecs' output sizes and the link
/// alone and is the same on every run and every machine. More bytes, time or downtime is a regression.
/// </summary>
public static class MigrationGate
{
    public static readonly string[] Strategies = ["zero", "lz4", "mecom", "mecom+delta"];
    public const double BandwidthBps = 1e9;

    public static IReadOnlyList<MigrationRun> Measure(GuestSpec guest)
    {
        var settings = new MigrationSettings { Strategy = Strategy.Parse("raw"), BandwidthBps = BandwidthBps };
        using GuestWorkload workload = guest.MakeWorkload();
        CostTable sizes = CostTable.Measure(workload, guest.PageSize, Strategies.Select(s => Strategy.Parse(s).Codecs[0].ToString()), timed: false);
        return Strategies.Select(s => SimulatedMigration.Run(guest, settings with { Strategy = Strategy.Parse(s) }, sizes)).ToArray();
    }

    public static IEnumerable<GateRow> Compare(IReadOnlyList<MigrationRun> baseline, IReadOnlyList<MigrationRun> current)
    {
        foreach (MigrationRun b in baseline)
        {
            MigrationRun c = current.FirstOrDefault(x => x.Strategy == b.Strategy && x.Corpus == b.Corpus && x.BandwidthBps == b.BandwidthBps)
                ?? throw new ArgumentException($"migration '{b.Strategy}' on {b.Corpus} is in the baseline but not in the current run");
            string name = $"migrate {b.Strategy} @ {b.Bandwidth}";
            yield return Row(name, "bytes", b.BytesSent, c.BytesSent);
            yield return Row(name, "downtime", b.DowntimeMs, c.DowntimeMs);
            yield return Row(name, "time", b.TotalTimeMs, c.TotalTimeMs);
        }
    }

    private static GateRow Row(string name, string metric, double baseline, double current)
    {
        double ratio = baseline > 0 ? current / baseline : 1;
        // Deterministic figures: equal up to rounding to the microsecond the results are stored with.
        Verdict verdict = Math.Abs(current - baseline) <= 1e-9 * Math.Max(1, Math.Abs(baseline)) ? Verdict.Same
            : current > baseline ? Verdict.Regressed : Verdict.Improved;
        return new GateRow(name, metric, baseline, current, ratio, ratio, ratio, verdict);
    }
}
