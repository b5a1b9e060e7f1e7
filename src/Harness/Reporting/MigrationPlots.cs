using ScottPlot;

namespace Mecom.Harness.Reporting;

/// <summary>
/// Pictures of a migration grid: bytes and dirty pages per round for each strategy (one pair per corpus
/// and bandwidth), and downtime / total time / data per strategy as bars relative to raw.
/// </summary>
public static class MigrationPlots
{
    public static IReadOnlyList<string> Write(IReadOnlyList<MigrationRun> runs, string folder)
    {
        Directory.CreateDirectory(folder);
        var written = new List<string>();
        var ok = runs.Where(r => r.Error is null).ToArray();
        foreach (var group in ok.GroupBy(r => (r.Corpus, r.Bandwidth)))
        {
            string stem = Path.Combine(folder, $"migrate-{Safe(group.Key.Corpus)}-{group.Key.Bandwidth}");
            AtomicFile.SavePng(PerRound(group.ToArray(), $"{group.Key.Corpus} at {group.Key.Bandwidth}/s"), stem + "-rounds.png", 1300, 550);
            written.Add(stem + "-rounds.png");
        }

        foreach (var group in ok.GroupBy(r => r.Corpus))
        {
            string path = Path.Combine(folder, $"migrate-{Safe(group.Key)}-summary.png");
            AtomicFile.SavePng(Summary(group.ToArray(), group.Key), path, 1300, 600);
            written.Add(path);
            if (group.Select(r => r.BandwidthBps).Distinct().Count() > 1)
            {
                string vsLink = Path.Combine(folder, $"migrate-{Safe(group.Key)}-vs-link.png");
                AtomicFile.SavePng(AgainstLinkSpeed(group.ToArray(), group.Key), vsLink, 1500, 520);
                written.Add(vsLink);
            }
        }

        return written;
    }

    /// <summary>A name fit for a file: letters, digits, '-' and '_' kept, anything else '_'.</summary>
    internal static string Safe(string name) => string.Concat(name.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' ? c : '_'));

    private static Multiplot PerRound(MigrationRun[] runs, string title)
    {
        var multiplot = new Multiplot();
        multiplot.AddPlots(2);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Columns();
        Plot bytes = multiplot.GetPlot(0);
        Plot dirty = multiplot.GetPlot(1);
        var palette = new ScottPlot.Palettes.Category10();
        for (int i = 0; i < runs.Length; i++)
        {
            MigrationRun run = runs[i];
            double[] rounds = run.PerRound.Select(r => (double)r.Round).ToArray();
            // Round 0 carries the whole memory, later rounds a few pages: log scales keep both visible.
            var b = bytes.Add.Scatter(rounds, run.PerRound.Select(r => Math.Log10(Math.Max(1, r.Bytes))).ToArray());
            b.LegendText = run.Strategy;
            b.Color = palette.GetColor(i);
            b.MarkerSize = 7;
            // Stop-and-copy leaves nothing dirty (the guest is paused): only the iterative rounds are drawn.
            var iterative = run.PerRound.Where(r => !r.StopAndCopy).ToArray();
            var d = dirty.Add.Scatter(iterative.Select(r => (double)r.Round).ToArray(), iterative.Select(r => Math.Log10(Math.Max(1, r.DirtyAfter))).ToArray());
            d.LegendText = run.Strategy;
            d.Color = palette.GetColor(i);
            d.MarkerSize = 7;
        }

        LogTicks(bytes, ["1 B", "10 B", "100 B", "1 KB", "10 KB", "100 KB", "1 MB", "10 MB", "100 MB", "1 GB", "10 GB"]);
        LogTicks(dirty, ["1", "10", "100", "1k", "10k", "100k", "1M", "10M"]);
        bytes.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        dirty.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        bytes.Title($"bytes on the wire per round: {title}");
        bytes.XLabel("round (the last is stop-and-copy)");
        bytes.YLabel("bytes (log scale)");
        dirty.Title("dirty pages left after each iterative round");
        dirty.XLabel("round");
        dirty.YLabel("pages (log scale)");
        bytes.ShowLegend(Alignment.UpperRight);
        dirty.ShowLegend(Alignment.UpperRight);
        return multiplot;
    }

    private static void LogTicks(Plot plot, string[] labels)
    {
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        for (int e = 0; e < labels.Length; e++)
        {
            ticks.AddMajor(e, labels[e]);
        }

        plot.Axes.Left.TickGenerator = ticks;
    }

    /// <summary>
    /// The first question an operator asks: what each strategy gives at my link's speed. Downtime, total
    /// time and data against link speed, one line per strategy (log scales: the grid spans decades).
    /// </summary>
    private static Multiplot AgainstLinkSpeed(MigrationRun[] runs, string corpus)
    {
        var multiplot = new Multiplot();
        multiplot.AddPlots(3);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Columns();
        (string Title, string Unit, Func<MigrationRun, double> Value)[] metrics =
        [
            ("downtime", "ms", r => r.DowntimeMs),
            ("total time", "s", r => r.TotalTimeMs / 1000),
            ("data sent", "MiB", r => r.BytesSent / 1048576.0),
        ];
        var palette = new ScottPlot.Palettes.Category10();
        double[] links = runs.Select(r => r.BandwidthBps).Distinct().Order().ToArray();
        string[] strategies = runs.Select(r => r.Strategy).Distinct().ToArray();
        for (int m = 0; m < metrics.Length; m++)
        {
            Plot plot = multiplot.GetPlot(m);
            for (int s = 0; s < strategies.Length; s++)
            {
                MigrationRun[] line = runs.Where(r => r.Strategy == strategies[s]).OrderBy(r => r.BandwidthBps).ToArray();
                var scatter = plot.Add.Scatter(line.Select(r => Math.Log10(r.BandwidthBps)).ToArray(),
                    line.Select(r => Math.Log10(Math.Max(1e-3, metrics[m].Value(r)))).ToArray());
                scatter.LegendText = strategies[s];
                scatter.Color = palette.GetColor(s);
                scatter.MarkerSize = 7;
                scatter.LineWidth = 2;
            }

            var xticks = new ScottPlot.TickGenerators.NumericManual();
            foreach (double bps in links)
            {
                xticks.AddMajor(Math.Log10(bps), Migration.Protocol.Bandwidth.Format(bps));
            }

            plot.Axes.Bottom.TickGenerator = xticks;
            plot.Axes.Left.TickGenerator = LogAxis(runs.Select(metrics[m].Value));
            plot.XLabel("link speed (log scale)");
            plot.YLabel($"{metrics[m].Title}, {metrics[m].Unit} (log scale)");
            plot.Title(m == 0 ? $"{corpus}: {metrics[m].Title} against link speed" : $"{metrics[m].Title} against link speed");
            if (m == 0)
            {
                plot.ShowLegend(Alignment.UpperRight);
            }
            else
            {
                // One legend for the three: the same strategies in the same colours.
                plot.HideLegend();
            }
        }

        return multiplot;
    }

    /// <summary>Ticks at 1, 2 and 5 of each decade the values span, labelled in their own unit.</summary>
    private static ScottPlot.TickGenerators.NumericManual LogAxis(IEnumerable<double> values)
    {
        double[] positive = values.Where(v => v > 0).DefaultIfEmpty(1).ToArray();
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        for (int e = (int)Math.Floor(Math.Log10(positive.Min())); e <= (int)Math.Ceiling(Math.Log10(positive.Max())); e++)
        {
            foreach (double m in new[] { 1.0, 2.0, 5.0 })
            {
                double v = m * Math.Pow(10, e);
                ticks.AddMajor(Math.Log10(v), v.ToString(v < 1 ? "0.###" : "#,0", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return ticks;
    }

    private static Plot Summary(MigrationRun[] runs, string corpus)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        string[] metrics = ["downtime", "total time", "data sent"];
        var groups = runs.GroupBy(r => r.Bandwidth).ToArray();
        string[] strategies = runs.Select(r => r.Strategy).Distinct().ToArray();
        var bars = new List<Bar>();
        var xticks = new ScottPlot.TickGenerators.NumericManual();
        double width = 0.8 / strategies.Length;
        int slot = 0;
        foreach (var group in groups)
        {
            MigrationRun? raw = group.FirstOrDefault(r => r.Strategy == "raw");
            for (int m = 0; m < metrics.Length; m++, slot++)
            {
                xticks.AddMajor(slot, $"{metrics[m]}\n{group.Key}");
                for (int s = 0; s < strategies.Length; s++)
                {
                    MigrationRun? run = group.FirstOrDefault(r => r.Strategy == strategies[s]);
                    if (run is null)
                    {
                        continue;
                    }

                    double value = m switch { 0 => run.DowntimeMs, 1 => run.TotalTimeMs, _ => run.BytesSent };
                    double reference = raw is null ? 1 : m switch { 0 => raw.DowntimeMs, 1 => raw.TotalTimeMs, _ => raw.BytesSent };
                    bars.Add(new Bar
                    {
                        Position = slot + (s - (strategies.Length - 1) / 2.0) * width,
                        Value = reference > 0 ? value / reference : 0,
                        Size = width * 0.9,
                        FillColor = palette.GetColor(s),
                    });
                }
            }
        }

        for (int s = 0; s < strategies.Length; s++)
        {
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = strategies[s], FillColor = palette.GetColor(s) });
        }

        plot.Add.Bars(bars);
        var line = plot.Add.HorizontalLine(1);
        line.LinePattern = LinePattern.Dashed;
        line.Color = Colors.Black;
        plot.Axes.Bottom.TickGenerator = xticks;
        plot.Axes.Margins(bottom: 0);
        plot.YLabel("relative to raw (1 = same as sending every page raw)");
        plot.Title($"Migration of {corpus}: downtime, total time and data per strategy");
        plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }
}
