using System.CommandLine;
using System.Globalization;
using Mecom.Harness.Corpus;
using Mecom.Harness.Reporting;
using Spectre.Console;

namespace Mecom.Harness.Cli;

/// <summary>
/// <c>mecom tune</c>: sweeps the selector's thresholds, batch size and worker count per bandwidth with the
/// simulator, picks the best by an objective, writes the settings, and confirms each winner in the emulator.
/// </summary>
public static class TuneCommand
{
    public static Command Create()
    {
        var corpus = new Option<string?>("--corpus") { Description = "one corpus entry (file stem); default: the shipped VM, corpora/vm-kvstore" };
        var bandwidths = new Option<string>("--bandwidth") { Description = "link rates to tune for", DefaultValueFactory = _ => "100mbit,1gbit,10gbit" };
        var threads = new Option<string?>("--workers", "--threads") { Description = "worker counts to try, e.g. 1,2,4 (0 = cores, as in migrate and simulate); default: cores" };
        var batches = new Option<string>("--batch") { Description = "batch sizes (pages) to try", DefaultValueFactory = _ => "32,128,512" };
        var wkdm = new Option<string>("--wkdm") { Description = "WKdm thresholds (eighths of a page) to try", DefaultValueFactory = _ => "0,2,4,6,8" };
        var rawAbove = new Option<string>("--raw-above") { Description = "raw thresholds (share of the page) to try", DefaultValueFactory = _ => "0.5,0.625,0.75,0.875,1" };
        var objective = new Option<TuneObjective>("--objective") { Description = "what to minimise: downtime, time, data, or weighted (mean of the three relative to raw)", DefaultValueFactory = _ => TuneObjective.Time };
        var output = new Option<string>("--out") { Description = "the settings file to write (read by migrate/simulate/codecs --settings)", DefaultValueFactory = _ => "results/tuned.json" };
        var plot = new Option<string?>("--plot") { Description = "folder for one heatmap PNG per bandwidth; default: beside --out" };
        var noConfirm = new Option<bool>("--no-confirm") { Description = "skip the emulated confirmation of each winner" };
        var grid = new GridOptions();
        var command = new Command("tune", "sweep the selector's thresholds, batch size and workers per bandwidth in the simulator; write the best settings")
        {
            corpus, bandwidths, threads, batches, wkdm, rawAbove, objective, output, plot, noConfirm,
            grid.Latency, grid.Stop, grid.DowntimeLimit, grid.MaxRounds, grid.Resume, grid.TimeScale, grid.DirtyRate, grid.HotSet, grid.Seed,
        };
        command.SetAction(r => CliErrors.Guard(() =>
        {
            string settingsPath = r.GetValue(output)!;
            OutputPaths.CheckWritable(settingsPath);
            string plotFolder = r.GetValue(plot) ?? Path.GetDirectoryName(Path.GetFullPath(settingsPath))!;
            OutputPaths.CheckWritableFolder(plotFolder);
            var wkdmList = Ints(r.GetValue(wkdm)!, "--wkdm", 0, 8);
            var rawList = Doubles(r.GetValue(rawAbove)!, "--raw-above");
            var batchList = Ints(r.GetValue(batches)!, "--batch", 1, 65536);
            var threadList = r.GetValue(threads) is { } t
                ? Ints(t, "--workers", 0, 256).Select(w => w == 0 ? Environment.ProcessorCount : w).Distinct().ToArray()
                : [Environment.ProcessorCount];
            IReadOnlyList<double> bps = Bandwidth.ParseList(r.GetValue(bandwidths)!);
            MigrationSettings baseSettings = grid.Settings(r);

            CorpusEntry entry = CorpusLocator.Entries(r.GetValue(corpus)) is [var one] ? one
                : throw new ArgumentException("--corpus must name one entry for tune (a file stem, not a folder)");
            GuestSpec guest = MigrationGrid.LoadGuest(entry, baseSettings);
            CostTable costs = null!;
            AnsiConsole.Status().Start("measuring the selector's costs on the guest's pages (once)", _ =>
            {
                using GuestWorkload workload = guest.MakeWorkload();
                costs = CostTable.Measure(workload, guest.PageSize, wkdmList.Select(w => $"mecom:{w}").Append("raw"));
            });

            int total = bps.Count * (1 + wkdmList.Length * rawList.Length * batchList.Length * threadList.Length);
            Tuner.Outcome outcome = null!;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            AnsiConsole.Progress().AutoClear(true).Start(ctx =>
            {
                var task = ctx.AddTask("simulating", maxValue: total);
                outcome = Tuner.Run(guest, costs, bps, wkdmList, rawList, batchList, threadList, r.GetValue(objective), baseSettings, () => task.Increment(1));
            });
            AnsiConsole.MarkupLine($"{outcome.Simulations} simulated migrations of {Markup.Escape(guest.Name)} in {clock.Elapsed.TotalSeconds:0.0} s");

            outcome.Settings.Write(settingsPath);
            AnsiConsole.MarkupLine($"wrote {Markup.Escape(settingsPath)}");
            foreach (string png in TunePlots.Write(outcome, wkdmList, rawList, plotFolder))
            {
                AnsiConsole.MarkupLine($"wrote {Markup.Escape(png)}");
            }

            var table = new Table().RoundedBorder().Title($"best settings by {outcome.Settings.Objective}")
                .AddColumn("bandwidth").AddColumn("selector").AddColumn("raw above").AddColumn("batch").AddColumn("workers")
                .AddColumn(new TableColumn("downtime ms sim / emu").RightAligned())
                .AddColumn(new TableColumn("total s sim / emu").RightAligned())
                .AddColumn(new TableColumn("MiB sim / emu").RightAligned());
            var warnings = new List<string>();
            foreach (TunedChoice c in outcome.Settings.PerBandwidth)
            {
                string emuDown = "-", emuTime = "-", emuData = "-";
                if (!r.GetValue(noConfirm))
                {
                    MigrationSettings confirm = outcome.Settings.Apply(baseSettings with { Strategy = Strategy.Parse("mecom"), BandwidthBps = c.BandwidthBps });
                    MigrationRun emulated = MigrationGrid.Run([guest], [confirm.Strategy], [c.BandwidthBps], confirm, (g, x) => EmulatedMigration.RunInProcess(g, x))[0];
                    emuDown = F(emulated.DowntimeMs, "0.0") + (emulated.Exact ? "" : " [red]NOT EXACT[/]");
                    emuTime = F(emulated.TotalTimeMs / 1000, "0.000");
                    emuData = F(emulated.BytesSent / 1048576.0, "0.00");
                    if (Tuner.Disagreement(c.TotalTimeMs, emulated.TotalTimeMs) is { } off)
                    {
                        warnings.Add($"{c.Bandwidth}: simulated total time {off:+0%;-0%} against the emulated run");
                    }
                }

                table.AddRow(c.Bandwidth, c.Codec, F(c.Point.RawAbove, "0.###"), c.Point.BatchPages.ToString(CultureInfo.InvariantCulture),
                    c.Point.Workers.ToString(CultureInfo.InvariantCulture),
                    $"{F(c.DowntimeMs, "0.0")} / {emuDown}", $"{F(c.TotalTimeMs / 1000, "0.000")} / {emuTime}", $"{F(c.BytesSent / 1048576.0, "0.00")} / {emuData}");
            }

            AnsiConsole.Write(table);
            if (warnings.Count > 0)
            {
                AnsiConsole.MarkupLine($"[yellow]{Markup.Escape(string.Join("; ", warnings))} (more than {Tuner.ConfirmTolerance:0%} apart): the sweep rests on prices measured once, in one minute of a machine whose speed drifts, and short CPU-bound runs vary most; run tune again before trusting that choice.[/]");
            }

            AnsiConsole.MarkupLine($"use it: [bold]mecom migrate --settings {Markup.Escape(settingsPath)}[/] (or simulate / codecs --settings)");
            return 0;
        }));
        return command;
    }

    private static string F(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);

    internal static int[] Ints(string text, string option, int min, int max)
    {
        var values = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s =>
            int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v >= min && v <= max
                ? v : throw new ArgumentException($"{option}: '{s}' is not a whole number in {min}..{max}")).Distinct().ToArray();
        return values.Length > 0 ? values : throw new ArgumentException($"{option}: give at least one value");
    }

    private static double[] Doubles(string text, string option)
    {
        var values = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s =>
            double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v > 0 && v <= 1
                ? v : throw new ArgumentException($"{option}: '{s}' is not a share of the page in (0, 1]")).Distinct().ToArray();
        return values.Length > 0 ? values : throw new ArgumentException($"{option}: give at least one value");
    }
}
