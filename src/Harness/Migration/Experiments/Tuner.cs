using System.Text.Json;
using Mecom.Harness.Reporting;

namespace Mecom.Harness.Migration.Experiments;

/// <summary>What <c>mecom tune</c> minimises.</summary>
public enum TuneObjective
{
    Downtime,
    Time,
    Data,

    /// <summary>The mean of downtime, total time and data, each relative to raw pre-copy on the same link.</summary>
    Weighted,
}

/// <summary>One point of the sweep: the selector's two thresholds, batch size and workers.</summary>
public sealed record TunePoint(int WkdmEighths, double RawAbove, int BatchPages, int Workers);

/// <summary>The best point for one bandwidth, with its simulated figures.</summary>
public sealed record TunedChoice(double BandwidthBps, TunePoint Point, double Objective, double DowntimeMs, double TotalTimeMs, long BytesSent)
{
    public string Bandwidth => Migration.Protocol.Bandwidth.Format(BandwidthBps);

    /// <summary>The selector as a codec name: <c>mecom:W</c>.</summary>
    public string Codec => $"mecom:{Point.WkdmEighths}";
}

/// <summary>
/// The file <c>mecom tune</c> writes and <c>mecom migrate --settings</c>, <c>mecom simulate --settings</c> and
/// <c>mecom codecs --settings</c> read: per bandwidth, the selector settings the sweep chose.
/// </summary>
public sealed record TunedSettings
{
    public int Schema { get; init; } = 1;

    /// <summary>Where the file came from; null in files written before it was recorded.</summary>
    public Measure.Provenance? Made { get; init; }

    public required string Objective { get; init; }

    public required string Corpus { get; init; }

    public required IReadOnlyList<TunedChoice> PerBandwidth { get; init; }

    /// <summary>The choice for the bandwidth nearest <paramref name="bps"/> (on a log scale).</summary>
    public TunedChoice For(double bps) =>
        PerBandwidth.MinBy(c => Math.Abs(Math.Log(c.BandwidthBps / bps))) ?? throw new InvalidOperationException("the settings file holds no bandwidth");

    /// <summary>
    /// Applies the choice for the run's bandwidth: the selector strategies (<c>mecom</c>, <c>mecom+delta</c>) get
    /// the tuned WKdm threshold, and every strategy the tuned raw threshold, batch size and workers.
    /// </summary>
    public MigrationSettings Apply(MigrationSettings settings)
    {
        TunedChoice choice = For(settings.BandwidthBps);
        Strategy strategy = settings.Strategy;
        if (!strategy.Adaptive && strategy.Codecs[0].Info.Name == "mecom")
        {
            // The tuned threshold; the general codec the user named, deltas and the shown name stay.
            strategy = strategy with { Codecs = [Mecom.Codecs.CodecRegistry.Parse(choice.Codec) with { General = strategy.Codecs[0].General }] };
        }

        return settings with { Strategy = strategy, RawAbove = choice.Point.RawAbove, BatchPages = choice.Point.BatchPages, Workers = choice.Point.Workers };
    }

    public void Write(string path) => ResultFiles.Write(path, JsonSerializer.Serialize(this, ResultFiles.Json));

    public static TunedSettings Read(string path)
    {
        try
        {
            TunedSettings s = JsonSerializer.Deserialize<TunedSettings>(File.ReadAllText(path), ResultFiles.Json)
                ?? throw new ArgumentException($"{path}: empty settings file");
            if (s.Schema != 1 || s.PerBandwidth.Count == 0)
            {
                throw new ArgumentException($"{path}: settings schema {s.Schema} with {s.PerBandwidth.Count} bandwidths is not usable (this reader knows schema 1)");
            }

            foreach (TunedChoice c in s.PerBandwidth)
            {
                new MigrationSettings { Strategy = Strategy.Parse(c.Codec), BandwidthBps = c.BandwidthBps, RawAbove = c.Point.RawAbove, BatchPages = c.Point.BatchPages, Workers = c.Point.Workers }.Validate();
            }

            return s;
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"{path}: not a mecom tune settings file ({e.Message})");
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new FileNotFoundException($"{path}: settings file not found; write one with 'mecom tune --out {path}'");
        }
    }
}

/// <summary>The sweep itself: every point at every bandwidth, simulated, scored against raw.</summary>
public static class Tuner
{
    public static readonly int[] DefaultWkdm = [0, 2, 4, 6, 8];
    public static readonly double[] DefaultRawAbove = [0.5, 0.625, 0.75, 0.875, 1.0];
    public static readonly int[] DefaultBatches = [32, 128, 512];

    public sealed record Outcome(TunedSettings Settings, IReadOnlyDictionary<double, double[,]> Heatmaps, int Simulations);

    public static Outcome Run(GuestSpec guest, CostTable costs, IReadOnlyList<double> bandwidths, IReadOnlyList<int> wkdm, IReadOnlyList<double> rawAbove,
        IReadOnlyList<int> batches, IReadOnlyList<int> workers, TuneObjective objective, MigrationSettings baseSettings, Action? onSimulation = null)
    {
        var choices = new List<TunedChoice>();
        var maps = new Dictionary<double, double[,]>();
        int simulations = 0;
        foreach (double bps in bandwidths)
        {
            MigrationRun raw = SimulatedMigration.Run(guest, baseSettings with { Strategy = Strategy.Parse("raw"), BandwidthBps = bps }, costs);
            simulations++;
            TunedChoice? best = null;
            var map = new double[wkdm.Count, rawAbove.Count];
            for (int i = 0; i < wkdm.Count; i++)
            {
                for (int j = 0; j < rawAbove.Count; j++)
                {
                    map[i, j] = double.MaxValue;
                    foreach (int batch in batches)
                    {
                        foreach (int w in workers)
                        {
                            var point = new TunePoint(wkdm[i], rawAbove[j], batch, w);
                            MigrationRun run = SimulatedMigration.Run(guest, baseSettings with
                            {
                                Strategy = Strategy.Parse($"mecom:{point.WkdmEighths}"), BandwidthBps = bps, RawAbove = point.RawAbove, BatchPages = batch, Workers = w,
                            }, costs);
                            simulations++;
                            onSimulation?.Invoke();
                            double score = Score(run, raw, objective);
                            map[i, j] = Math.Min(map[i, j], score);
                            if (best is null || score < best.Objective)
                            {
                                best = new TunedChoice(bps, point, score, run.DowntimeMs, run.TotalTimeMs, run.BytesSent);
                            }
                        }
                    }
                }
            }

            choices.Add(best!);
            maps[bps] = map;
        }

        var settings = new TunedSettings { Made = Measure.Provenance.Here(), Objective = objective.ToString().ToLowerInvariant(), Corpus = guest.Name, PerBandwidth = choices };
        return new Outcome(settings, maps, simulations);
    }

    /// <summary>Lower is better: the metric itself, or for <see cref="TuneObjective.Weighted"/> the mean ratio to raw.</summary>
    public static double Score(MigrationRun run, MigrationRun raw, TuneObjective objective) => objective switch
    {
        TuneObjective.Downtime => run.DowntimeMs,
        TuneObjective.Time => run.TotalTimeMs,
        TuneObjective.Data => run.BytesSent,
        _ => (run.DowntimeMs / raw.DowntimeMs + run.TotalTimeMs / raw.TotalTimeMs + (double)run.BytesSent / raw.BytesSent) / 3,
    };

    /// <summary>
    /// Beyond this the simulated and emulated total times of a confirmed choice disagree by more than the
    /// engines do in a validation: wider than its 10% band, as a confirmation is one run, not a median of
    /// paired repeats, and the prices were measured once, minutes before.
    /// </summary>
    internal const double ConfirmTolerance = 0.25;

    /// <summary>The simulated total time's deviation from the emulated confirmation when beyond <see cref="ConfirmTolerance"/>, else null.</summary>
    internal static double? Disagreement(double simulatedMs, double emulatedMs)
    {
        if (emulatedMs <= 0)
        {
            return null;
        }

        double off = simulatedMs / emulatedMs - 1;
        return Math.Abs(off) > ConfirmTolerance ? off : null;
    }
}
