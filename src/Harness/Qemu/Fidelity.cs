using Mecom.Harness.Corpus;

namespace Mecom.Harness.Qemu;

/// <summary>One metric of one real migration against the emulator's and the simulator's replay of the captured guest.</summary>
/// <param name="Target">The deviation allowed (issue 23: data 10%, total time 15%, host-side downtime 25%).</param>
public sealed record FidelityRow(string Strategy, double BandwidthBps, string Metric, double Real, double Emulated, double Simulated, double Target)
{
    public double EmulatedDeviation => (Emulated / Real) - 1;

    public double SimulatedDeviation => (Simulated / Real) - 1;

    public bool EmulatedMet => Math.Abs(EmulatedDeviation) <= Target;

    public bool SimulatedMet => Math.Abs(SimulatedDeviation) <= Target;
}

/// <summary>
/// How far the emulator and the simulator are from a real migration: the guest captured just before it
/// (<c>qemu-migrate --capture</c>) replayed by both engines with the same strategy, link and stop rule.
/// </summary>
public static class Fidelity
{
    /// <summary>The engines' strategy for a real run's: ours as named, qemu-default as <c>zero</c>; null for the peers the engines do not model.</summary>
    public static string? EngineStrategy(string real) => real == "qemu-default" ? "zero" : real.StartsWith("qemu-", StringComparison.Ordinal) ? null : real;

    /// <summary>The captured guest through the emulator and the simulator at every strategy and bandwidth the real runs took.</summary>
    public static IReadOnlyList<MigrationRun> Replay(string stem, IReadOnlyList<MigrationRun> real, Action<string>? status = null)
    {
        CorpusEntry entry = CorpusEntry.Open(stem);
        var strategies = real.Select(r => EngineStrategy(r.Strategy)).OfType<string>().Distinct().Select(Strategy.Parse).ToArray();
        var bandwidths = real.Select(r => r.BandwidthBps).Distinct().ToArray();
        if (strategies.Length == 0)
        {
            return [];
        }

        // QEMU's socket holds megabytes it counts as sent: both engines model that buffer here.
        var settings = new MigrationSettings { Strategy = strategies[0], BandwidthBps = bandwidths[0], SendBufferBytes = MigrationSettings.QemuSendBufferBytes };
        GuestSpec guest = MigrationGrid.LoadGuest(entry, settings);
        status?.Invoke($"replaying {entry.Name} in the emulator: {strategies.Length * bandwidths.Length} migrations");
        var runs = new List<MigrationRun>(MigrationGrid.Run([guest], strategies, bandwidths, settings, (g, s) => EmulatedMigration.RunInProcess(g, s)));
        status?.Invoke($"replaying {entry.Name} in the simulator");
        var prices = new CostCache(strategies, speeds: null);
        foreach (double bps in bandwidths)
        {
            foreach (Strategy s in strategies)
            {
                runs.Add(SimulatedMigration.Run(guest, settings with { Strategy = s, BandwidthBps = bps }, prices.For(guest)));
            }
        }

        return runs;
    }

    /// <summary>Per real strategy and bandwidth (medians over repeats): data, total time and host downtime against both engines.</summary>
    public static IReadOnlyList<FidelityRow> Rows(IReadOnlyList<MigrationRun> real, IReadOnlyList<MigrationRun> replayed)
    {
        var rows = new List<FidelityRow>();
        foreach (var group in real.Where(r => r.Error is null && EngineStrategy(r.Strategy) is not null).GroupBy(r => (r.Strategy, r.BandwidthBps)))
        {
            string engine = EngineStrategy(group.Key.Strategy)!;
            MigrationRun? emulated = replayed.FirstOrDefault(r => r.Mode == "emulated" && r.Strategy == engine && r.BandwidthBps == group.Key.BandwidthBps && r.Error is null);
            MigrationRun? simulated = replayed.FirstOrDefault(r => r.Mode == "simulated" && r.Strategy == engine && r.BandwidthBps == group.Key.BandwidthBps && r.Error is null);
            if (emulated is null || simulated is null)
            {
                continue;
            }

            double Median(Func<MigrationRun, double> metric)
            {
                double[] xs = group.Select(metric).Order().ToArray();
                return xs.Length % 2 == 1 ? xs[xs.Length / 2] : (xs[(xs.Length / 2) - 1] + xs[xs.Length / 2]) / 2;
            }

            rows.Add(new(group.Key.Strategy, group.Key.BandwidthBps, "data", Median(r => r.BytesSent), emulated.BytesSent, simulated.BytesSent, 0.10));
            rows.Add(new(group.Key.Strategy, group.Key.BandwidthBps, "total time", Median(r => r.TotalTimeMs), emulated.TotalTimeMs, simulated.TotalTimeMs, 0.15));
            rows.Add(new(group.Key.Strategy, group.Key.BandwidthBps, "downtime", Median(r => r.DowntimeMs), emulated.DowntimeMs, simulated.DowntimeMs, 0.25));
        }

        return rows;
    }
}
