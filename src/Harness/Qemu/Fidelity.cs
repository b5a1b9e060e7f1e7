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
        string[] names = real.Select(r => EngineStrategy(r.Strategy)).OfType<string>().Distinct().ToArray();
        Strategy[] strategies = names.Select(Strategy.Parse).ToArray();
        var bandwidths = real.Select(r => r.BandwidthBps).Distinct().ToArray();
        if (strategies.Length == 0)
        {
            return [];
        }

        GuestSpec guest = MigrationGrid.LoadGuest(entry, new MigrationSettings { Strategy = strategies[0], BandwidthBps = bandwidths[0] });
        status?.Invoke($"replaying {entry.Name} in the emulator and the simulator: {strategies.Length * bandwidths.Length} migrations each");
        var runs = new List<MigrationRun>();
        var prices = new CostCache(strategies, speeds: null);
        foreach ((string name, Strategy s) in names.Zip(strategies))
        {
            var settings = new MigrationSettings { Strategy = s, BandwidthBps = bandwidths[0], SendBufferBytes = SendBuffer(name, real) };
            runs.AddRange(MigrationGrid.Run([guest], [s], bandwidths, settings, (g, x) => EmulatedMigration.RunInProcess(g, x)));
            foreach (double bps in bandwidths)
            {
                runs.Add(SimulatedMigration.Run(guest, settings with { BandwidthBps = bps }, prices.For(guest)));
            }
        }

        return runs;
    }

    /// <summary>
    /// The engines' send buffer for a strategy, in bytes on the link. QEMU's socket holds 4 MiB of its stream
    /// that it counts as sent; through the bridges that is the raw stream before the source bridge encodes it,
    /// so on the link it is 4 MiB times the real runs' wire bytes per stream byte (0.45 for <c>mecom</c>,
    /// 1 for pass-through). Modelled as 4 MiB of wire bytes, <c>mecom</c>'s 100 Mbit/s downtime came out
    /// 95% long (docs/results/qemu-migrate.md).
    /// </summary>
    public static long SendBuffer(string engineStrategy, IReadOnlyList<MigrationRun> real)
    {
        double[] ratios = real
            .Where(r => r.Error is null && EngineStrategy(r.Strategy) == engineStrategy && r.Qemu is { StreamBytes: > 0 })
            .Select(r => (double)r.BytesSent / r.Qemu!.StreamBytes).Order().ToArray();
        double ratio = ratios.Length == 0 ? 1 : Math.Min(1, ratios[ratios.Length / 2]);
        return (long)(MigrationSettings.QemuSendBufferBytes * ratio);
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
