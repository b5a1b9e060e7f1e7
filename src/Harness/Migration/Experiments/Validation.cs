using Mecom.Harness.Measure;
using Mecom.Harness.Reporting;

namespace Mecom.Harness.Migration.Experiments;

/// <summary>
/// <c>mecom simulate --validate</c>: the simulator checked against the emulator, run by run, on the same
/// guests and settings; and a saved validation read back.
/// </summary>
internal static class Validation
{
    /// <summary>The 10% band the issue sets for downtime, total time and data.</summary>
    public const double Band = 0.10;

    /// <summary>
    /// Emulates the grid <paramref name="repeats"/> times, each run paired with a simulation of the same guest
    /// and settings priced from a measurement taken just before it; returns the medians of both, point by point,
    /// and each point's pairs (the downtimes of both, and the paired deviations of every metric).
    /// </summary>
    /// <param name="runGrid">Runs one repeat's grid, every point through the runner it is given (the CLI's shows progress and the runs' table).</param>
    /// <param name="onRepeat">Told each repeat's index before it starts.</param>
    /// <param name="onPairsWritten">Told each repeat's index once <paramref name="pairsPath"/> holds it.</param>
    /// <remarks>
    /// This machine's speed drifts from one minute to the next, so a price list measured once and compared
    /// with emulations minutes later measures the drift as much as the simulator; paired runs compare like
    /// with like, as codec speeds are compared pass by pass.
    /// </remarks>
    public static (IReadOnlyList<MigrationRun> Simulated, IReadOnlyList<MigrationRun> Emulated, IReadOnlyList<PairedPoint> Points) Validate(
        GridRequest request, ComparisonResult? speeds, int repeats,
        Func<GridRequest, Func<GuestSpec, MigrationSettings, Action<RoundRecord>, MigrationRun>, IReadOnlyList<MigrationRun>> runGrid,
        string? pairsPath = null, Action<int>? onRepeat = null, Action<int>? onPairsWritten = null)
    {
        var sims = new List<IReadOnlyList<MigrationRun>>();
        var emulated = new List<IReadOnlyList<MigrationRun>>();
        for (int i = 0; i < repeats; i++)
        {
            onRepeat?.Invoke(i);
            var paired = new Dictionary<(string, string, double), MigrationRun>();
            IReadOnlyList<MigrationRun> emu = runGrid(request, (spec, settings, onRound) =>
            {
                if (!spec.Name.EndsWith(MigrationGrid.WarmUpSuffix, StringComparison.Ordinal))
                {
                    using GuestWorkload workload = spec.MakeWorkload();
                    CostTable fresh = CostTable.Measure(workload, spec.PageSize, settings.Strategy.Codecs.Select(c => c.ToString()), speeds: speeds, image: spec.Image);
                    MigrationRun sim = SimulatedMigration.Run(spec, settings, fresh);
                    paired[(sim.Corpus, sim.Strategy, sim.BandwidthBps)] = sim;
                    // Pricing ran the codecs in timing loops; their optimised code is compiled after it.
                    MigrationGrid.WaitForJit();
                }

                return EmulatedMigration.RunInProcess(spec, settings, onRound);
            });
            emulated.Add(emu);
            sims.Add(emu.Select(e => paired[(e.Corpus, e.Strategy, e.BandwidthBps)]).ToArray());
            if (pairsPath is not null)
            {
                var runs = sims.Zip(emulated).SelectMany((pair, k) => pair.First.Zip(pair.Second)
                    .SelectMany(p => new[] { p.First with { Repeat = k }, p.Second with { Repeat = k } })).ToArray();
                MigrationTables.WriteJson(MigrationReport.Here(runs), pairsPath);
                onPairsWritten?.Invoke(i);
            }
        }

        return Summarise(sims, emulated);
    }

    /// <summary>
    /// Per point, the medians of the simulated and of the emulated runs, and the pairs: <c>sims[k][i]</c> was
    /// priced just before <c>emulated[k][i]</c>, repeat <c>k</c> of point <c>i</c>.
    /// </summary>
    public static (IReadOnlyList<MigrationRun> Simulated, IReadOnlyList<MigrationRun> Emulated, IReadOnlyList<PairedPoint> Points) Summarise(
        IReadOnlyList<IReadOnlyList<MigrationRun>> sims, IReadOnlyList<IReadOnlyList<MigrationRun>> emulated)
    {
        // How far the emulator's own downtimes spread, and each simulation against the emulation it was priced for.
        var points = emulated[0].Select((_, i) =>
        {
            int[] ok = Enumerable.Range(0, emulated.Count).Where(k => emulated[k][i].Error is null).ToArray();
            double[] Of(IReadOnlyList<IReadOnlyList<MigrationRun>> runs, Func<MigrationRun, double> metric) => ok.Select(k => metric(runs[k][i])).ToArray();
            return new PairedPoint(
                new DowntimeSpread(Of(emulated, r => r.DowntimeMs), Of(sims, r => r.DowntimeMs)),
                PairedPoint.Deviations(Of(emulated, r => r.TotalTimeMs), Of(sims, r => r.TotalTimeMs)),
                PairedPoint.Deviations(Of(emulated, r => r.BytesSent), Of(sims, r => r.BytesSent)));
        }).ToArray();
        return (Medians(sims), Medians(emulated), points);
    }

    /// <summary>A <c>--pairs</c> file's runs, repeat by repeat, in its points' order: every repeat must hold both runs of every point.</summary>
    public static (IReadOnlyList<IReadOnlyList<MigrationRun>> Simulated, IReadOnlyList<IReadOnlyList<MigrationRun>> Emulated) ReadPairs(string path)
    {
        IReadOnlyList<MigrationRun> runs = MigrationTables.ReadJson(path).Runs ?? [];
        if (runs.FirstOrDefault(x => x.Repeat is null) is { } bare)
        {
            throw new ArgumentException($"{path}: {bare.Strategy} @ {bare.Bandwidth} has no repeat; not a 'simulate --validate --pairs' file");
        }

        var points = runs.Select(x => (x.Corpus, x.Strategy, x.BandwidthBps)).Distinct().ToArray();
        int[] repeats = runs.Select(x => x.Repeat!.Value).Distinct().Order().ToArray();
        if (repeats.Length == 0)
        {
            throw new ArgumentException($"{path}: no runs");
        }

        IReadOnlyList<MigrationRun> Of(int k, string mode) => points.Select(p =>
            runs.FirstOrDefault(x => x.Repeat == k && x.Mode == mode && (x.Corpus, x.Strategy, x.BandwidthBps) == p)
            ?? throw new ArgumentException($"{path}: repeat {k} has no {mode} run of {p.Corpus} {p.Strategy} @ {Bandwidth.Format(p.BandwidthBps)}")).ToArray();
        return (repeats.Select(k => Of(k, "simulated")).ToArray(), repeats.Select(k => Of(k, "emulated")).ToArray());
    }

    /// <summary>Per grid point, the median of each metric over repeated runs (timings on a shared machine wander).</summary>
    public static IReadOnlyList<MigrationRun> Medians(IReadOnlyList<IReadOnlyList<MigrationRun>> repeats) =>
        repeats[0].Select((first, i) =>
        {
            var same = repeats.Select(runs => runs[i]).Where(x => x.Error is null).ToArray();
            return same.Length == 0 ? first : first with
            {
                DowntimeMs = Statistics.Median(same.Select(x => x.DowntimeMs).ToArray()),
                TotalTimeMs = Statistics.Median(same.Select(x => x.TotalTimeMs).ToArray()),
                BytesSent = (long)Statistics.Median(same.Select(x => (double)x.BytesSent).ToArray()),
                Exact = same.All(x => x.Exact),
            };
        }).ToArray();
}
