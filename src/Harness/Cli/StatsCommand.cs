using System.CommandLine;
using System.Text.Json;
using Mecom.Harness.Corpus;
using Mecom.Harness.Reporting;
using ScottPlot;
using Spectre.Console;

namespace Mecom.Harness.Cli;

/// <summary><c>mecom corpus stats</c>: what each entry holds, as a table, JSON and a PNG per entry.</summary>
public static class StatsCommand
{
    public static Command Create()
    {
        var corpus = new Option<string?>("--corpus") { Description = "a corpus entry (file stem) or a folder of entries; default: the shipped corpora/" };
        var json = new Option<string?>("--json") { Description = "write the statistics as JSON" };
        var plot = new Option<string?>("--plot") { Description = "write a PNG per entry (classes and WKdm size histogram) into this folder" };
        var command = new Command("stats", "page classes, entropy, WKdm size distribution and dirty rate of each corpus entry") { corpus, json, plot };
        command.SetAction(r => CliErrors.Guard(() =>
        {
            Execute(r.GetValue(corpus), r.GetValue(json), r.GetValue(plot));
            return 0;
        }));
        return command;
    }

    public static IReadOnlyList<EntryStats> Execute(string? corpus, string? json, string? plotFolder)
    {
        OutputPaths.CheckWritable(json);
        if (plotFolder is not null)
        {
            OutputPaths.CheckWritableFolder(plotFolder);
        }
        IReadOnlyList<CorpusEntry> entries = CorpusEntry.Discover(corpus ?? CorpusLocator.Default());
        var stats = new List<EntryStats>();
        AnsiConsole.Progress().AutoClear(true).Start(ctx =>
        {
            foreach (CorpusEntry entry in entries)
            {
                var task = ctx.AddTask(entry.Name, maxValue: entry.Pages);
                stats.Add(CorpusStats.Compute(entry, done => task.Value = done));
            }
        });

        AnsiConsole.Write(Table(stats));
        if (json is not null)
        {
            AtomicFile.WriteAllText(json, JsonSerializer.Serialize(new CorpusStatsReport { Made = Measure.Provenance.Here(), Entries = stats }, ResultFiles.Json));
            AnsiConsole.MarkupLine($"wrote {Markup.Escape(json)}");
        }

        if (plotFolder is not null)
        {
            Directory.CreateDirectory(plotFolder);
            foreach (EntryStats s in stats)
            {
                string path = Path.Combine(plotFolder, $"corpus-{MigrationPlots.Safe(s.Name)}.png");
                AtomicFile.SavePng(Plot(s), path, 1000, 500);
                AnsiConsole.MarkupLine($"wrote {Markup.Escape(path)}");
            }
        }

        return stats;
    }

    private static Table Table(IReadOnlyList<EntryStats> stats)
    {
        var table = new Table().RoundedBorder()
            .AddColumn("entry").AddColumn("kind")
            .AddColumn(new TableColumn("pages").RightAligned())
            .AddColumn(new TableColumn("% zero").RightAligned())
            .AddColumn(new TableColumn("% same").RightAligned())
            .AddColumn(new TableColumn("% wkdm-friendly").RightAligned())
            .AddColumn(new TableColumn("% other").RightAligned())
            .AddColumn(new TableColumn("entropy b/B (image / page)").RightAligned())
            .AddColumn(new TableColumn("dirty pages/s per epoch").RightAligned());
        foreach (EntryStats s in stats)
        {
            double Pct(string key) => 100.0 * s.Classes[key] / Math.Max(1, s.Pages);
            string[] cells =
            [
                s.Name, s.Kind, $"{s.Pages:N0}", $"{Pct("zero"):F1}", $"{Pct("sameFilled"):F2}", $"{Pct("wkdmFriendly"):F1}", $"{Pct("other"):F1}",
                $"{s.ByteEntropy:F2} / {s.MeanPageEntropy:F2}",
                s.Epochs.Count == 0 ? "no trace" : string.Join(" ", s.Epochs.Select(e => $"{e.PagesPerSecond:F0}")),
            ];
            table.AddRow(cells.Select(Markup.Escape).ToArray());
        }

        return table;
    }

    private static Plot Plot(EntryStats s)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var bars = new List<Bar>();
        for (int b = 0; b < s.WkdmSizeHistogram.Count; b++)
        {
            bars.Add(new Bar { Position = b, Value = s.WkdmSizeHistogram[b], FillColor = palette.GetColor(0), Size = 0.8 });
        }

        plot.Add.Bars(bars);
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        int step = s.PageSize / CorpusStats.Buckets;
        for (int b = 0; b < s.WkdmSizeHistogram.Count; b++)
        {
            ticks.AddMajor(b, b == s.WkdmSizeHistogram.Count - 1 ? $">= {b * step} B\nor raw" : $"{b * step}-{(b + 1) * step - 1} B");
        }

        plot.Axes.Bottom.TickGenerator = ticks;
        plot.Axes.Margins(bottom: 0);
        plot.YLabel("pages");
        plot.XLabel("WKdm output size (pages that are neither zero nor same-filled)");
        double Pct(string key) => 100.0 * s.Classes[key] / Math.Max(1, s.Pages);
        plot.Title($"{s.Name}: {s.Pages:N0} pages; zero {Pct("zero"):F1}%, same-filled {Pct("sameFilled"):F1}%, "
            + $"WKdm-friendly {Pct("wkdmFriendly"):F1}%, other {Pct("other"):F1}%");
        return plot;
    }
}
