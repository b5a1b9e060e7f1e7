using System.CommandLine;
using Mecom.Harness.Measure;
using Mecom.Harness.Reporting;
using Spectre.Console;

namespace Mecom.Harness.Cli;

/// <summary>
/// <c>mecom simulate</c>: the migration of <c>mecom migrate</c> in virtual time, priced from a one-time
/// measurement of the codecs on the guest's pages; <c>--validate</c> also emulates each run and compares.
/// </summary>
public static class SimulateCommand
{
    public static Command Create()
    {
        var grid = new MigrateCommand.GridOptions();
        var costs = new Option<string?>("--costs") { Description = "take codec speeds per page class from a saved 'mecom codecs --json' file instead of timing them here" };
        var hosts = new Option<string>("--hosts") { Description = "shared: source and target share this machine's cores, as the in-process emulator; separate: each has --workers cores", DefaultValueFactory = _ => "shared" };
        var validate = new Option<bool>("--validate") { Description = "also run each migration in the emulator and show simulated against emulated" };
        var repeat = new Option<int>("--repeat") { Description = "--validate: emulated runs per point, each paired with a simulation priced just before it; the table compares them pair by pair", DefaultValueFactory = _ => 3 };
        var pairs = new Option<string?>("--pairs") { Description = "--validate: write every simulated and emulated run as JSON, each marked with its repeat; rewritten after each repeat, so an interrupted validation keeps what it measured" };
        var fromPairs = new Option<string?>("--from-pairs") { Description = "print the validation table of a saved --pairs file (a validation cut short included) instead of running anything" };
        var freeCpu = new Option<bool>("--free-cpu") { Description = "price every CPU cost zero, leaving the link alone: what-if the processors were free; times nothing, so the same command gives the same runs on any machine" };
        var command = new Command("simulate", "the migration grid in virtual time: same rounds, stop rules and selector as 'migrate', in milliseconds") { costs, hosts, validate, repeat, pairs, fromPairs, freeCpu };
        grid.AddTo(command);
        command.SetAction(r => CliErrors.Guard(() =>
        {
            if (r.GetValue(fromPairs) is { } saved)
            {
                string? plotFolder = r.GetValue(grid.Plot);
                if (plotFolder is not null)
                {
                    OutputPaths.CheckWritableFolder(plotFolder);
                }

                var (savedSims, savedEmulated) = ReadPairs(saved);
                var (s, e, p) = Summarise(savedSims, savedEmulated);
                AnsiConsole.MarkupLine($"{Markup.Escape(saved)}: {savedSims.Count} repeats of {s.Count} points");
                WriteValidation(s, e, p, savedSims.Count, plotFolder);
                return 0;
            }

            MigrateCommand.GridRequest request = grid.Request(r);
            request = request with { Settings = request.Settings with { SharedHosts = ParseHosts(r.GetValue(hosts)!) } };
            string? pairsPath = r.GetValue(pairs);
            if (pairsPath is not null && !r.GetValue(validate))
            {
                throw new ArgumentException("--pairs writes the runs of --validate; give --validate too");
            }

            OutputPaths.CheckWritable(pairsPath);
            bool free = r.GetValue(freeCpu);
            if (free && (r.GetValue(validate) || r.GetValue(costs) is not null))
            {
                throw new ArgumentException("--free-cpu prices no CPU at all; it cannot be validated against the emulator or take --costs");
            }

            ComparisonResult? speeds = r.GetValue(costs) is { } file ? ResultFiles.ReadJson(file) : null;
            IReadOnlyList<MigrationRun> Simulate(MigrateCommand.GridRequest req)
            {
                var prices = new CostCache(request.Strategies, speeds, timed: !free);
                return MigrateCommand.Execute(req, (spec, settings, _) => SimulatedMigration.Run(spec, settings, prices.For(spec)), "Simulated pre-copy migration", warmUp: false);
            }

            IReadOnlyList<MigrationRun> simulated = Simulate(request);
            if (r.GetValue(validate))
            {
                int n = r.GetValue(repeat);
                if (n is < 1 or > 100)
                {
                    throw new ArgumentException($"--repeat must be in 1..100, got {n}");
                }

                var (sims, emulated, points) = Validate(request with { Json = null, Markdown = null, Plot = null }, speeds, n, pairsPath);
                WriteValidation(sims, emulated, points, n, request.Plot);
            }

            return 0;
        }));
        return command;
    }

    private static void WriteValidation(IReadOnlyList<MigrationRun> sims, IReadOnlyList<MigrationRun> emulated, IReadOnlyList<PairedPoint> points, int repeats, string? plotFolder)
    {
        AnsiConsole.Write(ValidationTable(sims, emulated, points));
        if (NoiseNote(emulated, points) is { } note)
        {
            AnsiConsole.MarkupLine($"[yellow]{Markup.Escape(note)}[/]");
        }

        if (plotFolder is not null)
        {
            AnsiConsole.MarkupLine($"wrote {Markup.Escape(WritePlot(emulated, points, repeats, plotFolder))}");
        }
    }

    /// <summary>The validation's picture, <c>validate-CORPUS.png</c> (or <c>validate.png</c> for several corpora) in <paramref name="folder"/>.</summary>
    internal static string WritePlot(IReadOnlyList<MigrationRun> emulated, IReadOnlyList<PairedPoint> points, int repeats, string folder)
    {
        Directory.CreateDirectory(folder);
        string[] corpora = emulated.Select(e => e.Corpus).Distinct().ToArray();
        var marks = emulated.Select((e, i) => (e, p: points[i])).Where(x => x.e.Error is null).Select(x =>
        {
            DowntimeSpread d = x.p.Downtime;
            Agreement verdict = d.Judge(Band);
            string label = corpora.Length > 1 ? $"{x.e.Corpus}\n{x.e.Strategy}\n{x.e.Bandwidth}" : $"{x.e.Strategy}\n{x.e.Bandwidth}";
            bool interval = verdict != Agreement.NoInterval;
            return new ValidationMark(label, d.Deviation.Samples.ToArray(), d.Deviation.Median, interval ? d.Deviation.CiLow : double.NaN, interval ? d.Deviation.CiHigh : double.NaN,
                d.Halves, verdict == Agreement.Within, verdict == Agreement.Outside);
        }).ToArray();
        string name = corpora.Length == 1 ? $"validate-{MigrationPlots.Safe(corpora[0])}.png" : "validate.png";
        string title = $"{string.Join(", ", corpora)}: simulated against emulated downtime, pair by pair ({repeats} repeats)";
        return ValidationPlots.Write(marks, Band, title, Path.Combine(folder, name));
    }

    /// <summary>
    /// Emulates the grid <paramref name="repeats"/> times, each run paired with a simulation of the same guest
    /// and settings priced from a measurement taken just before it; returns the medians of both, point by point,
    /// and each point's pairs (the downtimes of both, and the paired deviations of every metric).
    /// </summary>
    /// <remarks>
    /// This machine's speed drifts from one minute to the next, so a price list measured once and compared
    /// with emulations minutes later measures the drift as much as the simulator; paired runs compare like
    /// with like, as codec speeds are compared pass by pass.
    /// </remarks>
    internal static (IReadOnlyList<MigrationRun> Simulated, IReadOnlyList<MigrationRun> Emulated, IReadOnlyList<PairedPoint> Points) Validate(MigrateCommand.GridRequest request, ComparisonResult? speeds, int repeats, string? pairsPath = null)
    {
        var sims = new List<IReadOnlyList<MigrationRun>>();
        var emulated = new List<IReadOnlyList<MigrationRun>>();
        for (int i = 0; i < repeats; i++)
        {
            AnsiConsole.MarkupLine($"[bold]emulating the same grid to validate ({i + 1} of {repeats}), each run priced just before it[/]");
            var paired = new Dictionary<(string, string, double), MigrationRun>();
            IReadOnlyList<MigrationRun> emu = MigrateCommand.Execute(request, (spec, settings, onRound) =>
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
                AnsiConsole.MarkupLine($"wrote {Markup.Escape(pairsPath)} ({i + 1} of {repeats} repeats)");
            }
        }

        return Summarise(sims, emulated);
    }

    /// <summary>
    /// Per point, the medians of the simulated and of the emulated runs, and the pairs: <c>sims[k][i]</c> was
    /// priced just before <c>emulated[k][i]</c>, repeat <c>k</c> of point <c>i</c>.
    /// </summary>
    internal static (IReadOnlyList<MigrationRun> Simulated, IReadOnlyList<MigrationRun> Emulated, IReadOnlyList<PairedPoint> Points) Summarise(
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
    internal static (IReadOnlyList<IReadOnlyList<MigrationRun>> Simulated, IReadOnlyList<IReadOnlyList<MigrationRun>> Emulated) ReadPairs(string path)
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

    internal static bool ParseHosts(string text) => text.Trim().ToLowerInvariant() switch
    {
        "shared" => true,
        "separate" => false,
        _ => throw new ArgumentException($"--hosts must be shared or separate, got '{text}'"),
    };

    /// <summary>Per grid point, the median of each metric over repeated runs (timings on a shared machine wander).</summary>
    internal static IReadOnlyList<MigrationRun> Medians(IReadOnlyList<IReadOnlyList<MigrationRun>> repeats) =>
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

    /// <summary>
    /// The downtimes of one grid point: the emulated ones (their range, and the 99% confidence interval of
    /// their median: Harrell-Davis, Maritz-Jarrett; Perfolizer) and the simulated one priced just before each.
    /// </summary>
    /// <remarks>
    /// Each pair shares the minute it ran in, and this machine's speed wanders from one minute to the next,
    /// so the deviation is taken pair by pair (simulated / emulated - 1) and summarised like a codec's speed
    /// ratio over passes: its median with a 99% interval. The interval, not the median alone, says whether
    /// the simulator is within a band: inside it, outside it, or not yet told apart by this many runs.
    /// </remarks>
    public sealed record DowntimeSpread(double[] Samples, double[] Simulated)
    {
        public double Low => Samples.Length == 0 ? double.NaN : Samples.Min();

        public double High => Samples.Length == 0 ? double.NaN : Samples.Max();

        public SpeedSummary Median { get; } = Statistics.Summarize(Samples);

        /// <summary>Pair by pair, simulated / emulated - 1 (pairs whose emulated downtime is 0 left out).</summary>
        public SpeedSummary Deviation { get; } = PairedPoint.Deviations(Samples, Simulated);

        /// <summary>
        /// The emulator against itself: the median downtime of its even repeats over that of its odd ones, - 1
        /// (NaN under two runs). The halves interleave in time, so both saw the same minutes; how far they land
        /// apart is how far a second validation's emulated median could land from this one's, the floor under
        /// any band the simulator can be shown to keep.
        /// </summary>
        public double Halves { get; } = Samples.Length < 2 ? double.NaN
            : Statistics.Median(Samples.Where((_, k) => k % 2 == 0).ToArray()) / Statistics.Median(Samples.Where((_, k) => k % 2 == 1).ToArray()) - 1;

        /// <summary>Whether the paired deviation's interval lies within ±<paramref name="band"/>, outside it, or across its edge.</summary>
        public Agreement Judge(double band)
        {
            SpeedSummary d = Deviation;
            if (double.IsNaN(d.Median) || d.Samples.Count < 2)
            {
                return Agreement.NoInterval;
            }

            if (d.CiLow >= -band && d.CiHigh <= band)
            {
                return Agreement.Within;
            }

            return d.CiLow > band || d.CiHigh < -band ? Agreement.Outside : Agreement.Undecided;
        }

        /// <summary><see cref="Judge"/> in words.</summary>
        public string Verdict(double band) => Judge(band) switch
        {
            Agreement.Within => $"within {band:0%}",
            Agreement.Outside => $"outside {band:0%}",
            Agreement.Undecided => "undecided",
            _ => "one run: no interval",
        };
    }

    /// <summary>What a paired deviation's interval says of a band around zero.</summary>
    public enum Agreement
    {
        NoInterval,
        Within,
        Outside,
        Undecided,
    }

    /// <summary>One grid point's pairs: the downtimes, and the paired deviations of total time and data.</summary>
    public sealed record PairedPoint(DowntimeSpread Downtime, SpeedSummary TotalTime, SpeedSummary Data)
    {
        /// <summary>Pair by pair, simulated / emulated - 1, summarised (pairs whose emulated value is 0 left out).</summary>
        public static SpeedSummary Deviations(IReadOnlyList<double> emulated, IReadOnlyList<double> simulated) => Statistics.Summarize(
            emulated.Zip(simulated).Where(p => p.First > 0).Select(p => p.Second / p.First - 1).ToArray());
    }

    /// <summary>Simulated against emulated, point by point: the medians and paired deviation of each metric, how the emulated downtimes spread, and the downtime's verdict.</summary>
    public static Table ValidationTable(IReadOnlyList<MigrationRun> simulated, IReadOnlyList<MigrationRun> emulated, IReadOnlyList<PairedPoint> points)
    {
        var table = new Table().RoundedBorder().Title("simulated vs emulated (medians over repeats; each simulation priced just before its emulation; in parentheses the median over those pairs of simulated / emulated - 1)")
            .AddColumn("corpus").AddColumn("bandwidth").AddColumn("strategy")
            .AddColumn(new TableColumn("downtime ms sim / emu").RightAligned())
            .AddColumn(new TableColumn("total s sim / emu").RightAligned())
            .AddColumn(new TableColumn("MiB sim / emu").RightAligned())
            .AddColumn(new TableColumn("emulated downtimes ms").RightAligned())
            .AddColumn(new TableColumn($"emulated median {Statistics.ConfidenceLevel:0%} CI, ms").RightAligned())
            .AddColumn(new TableColumn($"downtime sim/emu - 1 by pair: median, {Statistics.ConfidenceLevel:0%} CI").RightAligned())
            .AddColumn(new TableColumn("emulator vs itself: even / odd repeats - 1").RightAligned());
        for (int i = 0; i < simulated.Count; i++)
        {
            MigrationRun s = simulated[i];
            MigrationRun e = emulated[i];
            if (e.Error is not null)
            {
                continue;
            }

            DowntimeSpread spread = points[i].Downtime;
            SpeedSummary median = spread.Median;
            string inside = s.DowntimeMs >= median.CiLow && s.DowntimeMs <= median.CiHigh ? "sim inside" : "sim outside";
            double halfWidth = (median.CiHigh - median.CiLow) / 2 / median.Median;
            table.AddRow(s.Corpus, s.Bandwidth, s.Strategy,
                Pair(s.DowntimeMs, e.DowntimeMs, spread.Deviation, "0.0"), Pair(s.TotalTimeMs / 1000, e.TotalTimeMs / 1000, points[i].TotalTime, "0.000"),
                Pair(s.BytesSent / 1048576.0, e.BytesSent / 1048576.0, points[i].Data, "0.00"),
                string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{spread.Low:0.0}-{spread.High:0.0}"),
                // Few runs that spread widely give a normal-approximation interval reaching below zero; a downtime cannot.
                spread.Samples.Length < 2 ? "-" : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Math.Max(0, median.CiLow):0.0}-{median.CiHigh:0.0} (±{halfWidth:0%}), {inside}"),
                PairedDeviation(spread), Halves(spread.Halves));
        }

        return table;
    }

    private static string Halves(double halves) => double.IsNaN(halves) ? "-" : Tinted(halves, "+0.0%;-0.0%;0.0%");

    /// <summary>A deviation in <paramref name="format"/>, green within the band, yellow beyond it.</summary>
    private static string Tinted(double deviation, string format) =>
        $"[{(Math.Abs(deviation) <= Band ? "green" : "yellow")}]{deviation.ToString(format, System.Globalization.CultureInfo.InvariantCulture)}[/]";

    /// <summary>
    /// A line for under the table: at how many points the emulator's two halves already differ by more than
    /// the band, where no simulator could be shown within it by these runs; null when none do.
    /// </summary>
    public static string? NoiseNote(IReadOnlyList<MigrationRun> emulated, IReadOnlyList<PairedPoint> points)
    {
        string[] noisy = points.Select((p, i) => (p, e: emulated[i]))
            .Where(x => x.e.Error is null && Math.Abs(x.p.Downtime.Halves) > Band)
            .Select(x => $"{x.e.Strategy} @ {x.e.Bandwidth} ({x.p.Downtime.Halves:+0%;-0%})").ToArray();
        return noisy.Length == 0 ? null
            : $"The emulator's downtime does not repeat within {Band:0%} at {noisy.Length} of {points.Count} points (its even against its odd repeats): {string.Join(", ", noisy)}. There a second validation's emulated median could move as far, and the band cannot be checked with these runs.";
    }

    /// <summary>The 10% band the issue sets for downtime, total time and data.</summary>
    public const double Band = 0.10;

    private static string PairedDeviation(DowntimeSpread spread)
    {
        SpeedSummary d = spread.Deviation;
        if (double.IsNaN(d.Median))
        {
            return "-";
        }

        string colour = spread.Judge(Band) switch { Agreement.Within => "green", Agreement.Outside => "red", _ => "yellow" };
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{d.Median:+0.0%;-0.0%;0.0%} ({d.CiLow:+0%;-0%;0%} to {d.CiHigh:+0%;-0%;0%}), [{colour}]{spread.Verdict(Band)}[/]");
    }

    private static string Pair(double sim, double emu, SpeedSummary paired, string format)
    {
        double deviation = double.IsNaN(paired.Median) ? 0 : paired.Median;
        return $"{sim.ToString(format, System.Globalization.CultureInfo.InvariantCulture)} / {emu.ToString(format, System.Globalization.CultureInfo.InvariantCulture)} {Tinted(deviation, "(+0.0%);(-0.0%);(0.0%)")}";
    }

    /// <summary>One cost table per guest, measured on first use with every codec the strategies need.</summary>
    /// <param name="timed">False: sizes only, every CPU cost zero (<c>--free-cpu</c>).</param>
    internal sealed class CostCache(IReadOnlyList<Strategy> strategies, ComparisonResult? speeds, bool timed = true)
    {
        private readonly Dictionary<string, CostTable> tables = new(StringComparer.Ordinal);

        public CostTable For(GuestSpec spec)
        {
            if (!tables.TryGetValue(spec.Name, out CostTable? table))
            {
                using GuestWorkload workload = spec.MakeWorkload();
                var codecs = strategies.SelectMany(s => s.Codecs).Select(c => c.ToString()).Distinct().ToArray();
                table = CostTable.Measure(workload, spec.PageSize, codecs, speeds: speeds, timed: timed, image: spec.Image);
                tables[spec.Name] = table;
            }

            return table;
        }
    }
}
