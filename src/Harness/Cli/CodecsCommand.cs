using System.CommandLine;
using Mecom.Codecs;
using Mecom.Codecs.Simd;
using Mecom.Harness.Corpus;
using Mecom.Harness.Measure;
using Mecom.Harness.Reporting;
using Spectre.Console;

namespace Mecom.Harness.Cli;

/// <summary>What <c>mecom codecs</c> (and the codec part of <c>mecom run</c>) is asked to do.</summary>
public sealed record CodecsOptions(
    string? Corpus, string Codecs, int Passes, double MinTime, int? PageSize, SortColumn Sort,
    string? Json, string? Csv, string? Markdown, string? PlotFolder, string? Baseline = null);

/// <summary><c>mecom codecs</c>: lzbench for memory pages.</summary>
public static class CodecsCommand
{
    public static Command Create()
    {
        var corpus = new Option<string?>("--corpus") { Description = "a corpus entry (file stem) or a folder of entries; default: the shipped corpora/" };
        var codecs = new Option<string>("--codecs") { Description = "comma-separated codec names with optional levels (lz4, lz4hc:9, zstd:3, wkdm, ...) or all", DefaultValueFactory = _ => "all" };
        var passes = new Option<int>("--passes") { Description = "timed passes after one warm-up pass", DefaultValueFactory = _ => 7 };
        var minTime = new Option<double>("--min-time") { Description = "keep adding passes until this many seconds have been spent", DefaultValueFactory = _ => 0 };
        var pageSize = new Option<int?>("--page-size") { Description = "re-cut the images into pages of this size (4096 or 16384)" };
        var sort = new Option<SortColumn>("--sort") { Description = "order of the table: compress, decompress, ratio or name", DefaultValueFactory = _ => SortColumn.Compress };
        var json = new Option<string?>("--json") { Description = "write the results as JSON (schema: docs/design/json.md)" };
        var csv = new Option<string?>("--csv") { Description = "write the results as CSV" };
        var markdown = new Option<string?>("--markdown") { Description = "write the tables as Markdown" };
        var plot = new Option<string?>("--plot") { Description = "write PNG plots (ratio against compress and decompress speed with the Pareto front and 99% intervals; ratio and speed per page class) into this folder" };
        var tuned = new Option<string?>("--settings") { Description = "add the selector settings a 'mecom tune' file chose (mecom:N per bandwidth) to the codecs" };
        var baseline = new Option<string?>("--baseline") { Description = "the codec every other is divided by, pass by pass (measured too if not listed); default: lz4 when it is listed" };
        var list = new Option<bool>("--list") { Description = "instead of measuring: every codec and strategy, its levels, whether it runs here and the library behind it" };
        var overhead = new Option<bool>("--check-overhead") { Description = "instead of the table: measure K4os LZ4 through the harness against a bare loop on the same pages" };
        var command = new Command("codecs", "compare page codecs on real memory pages: speed, ratio, per page class")
        {
            corpus, codecs, passes, minTime, pageSize, sort, json, csv, markdown, plot, baseline, overhead, tuned, list,
        };
        command.SetAction(r => CliErrors.Guard(() =>
        {
            if (r.GetValue(list))
            {
                return CodecListing.Write();
            }

            if (r.GetValue(overhead))
            {
                return CheckOverhead(r.GetValue(corpus), r.GetValue(passes), r.GetValue(pageSize));
            }

            string codecList = r.GetValue(codecs)!;
            if (r.GetValue(tuned) is { } file)
            {
                codecList = string.Join(",", Migration.Experiments.TunedSettings.Read(file).PerBandwidth.Select(c => c.Codec).Prepend(codecList));
            }

            Execute(new CodecsOptions(r.GetValue(corpus), codecList, r.GetValue(passes), r.GetValue(minTime),
                r.GetValue(pageSize), r.GetValue(sort), r.GetValue(json), r.GetValue(csv), r.GetValue(markdown), r.GetValue(plot), r.GetValue(baseline)));
            return 0;
        }));
        return command;
    }

    public static ComparisonResult Execute(CodecsOptions options)
    {
        if (options.Passes < 1)
        {
            throw new ArgumentException($"--passes must be at least 1, got {options.Passes}");
        }

        if (options.MinTime < 0)
        {
            throw new ArgumentException($"--min-time must not be negative, got {options.MinTime}");
        }

        if (options.PageSize is { } size && size is not (4096 or 16384))
        {
            throw new ArgumentException($"--page-size must be 4096 or 16384, got {size}");
        }

        IReadOnlyList<CodecSpec> specs = CodecRegistry.ParseList(options.Codecs);
        if (specs.FirstOrDefault(s => s.NeedsDictionary) is { } needy)
        {
            throw new ArgumentException($"'{needy}' needs the dictionary a migration builds at its start: 'mecom dict --raw-content --level 9' measures it on each corpus entry, 'mecom migrate' and 'mecom simulate' run it (--strategy mecom+zstd-dict:9)");
        }

        string? baseline = null;
        if (options.Baseline is { } named)
        {
            CodecSpec spec = CodecRegistry.Parse(named);
            baseline = spec.ToString();
            if (!specs.Any(s => s.ToString() == baseline))
            {
                specs = [spec, .. specs];
            }
        }
        else if (specs.Any(s => s.ToString() == "lz4") && specs.Count > 1)
        {
            baseline = "lz4";
        }

        foreach (string? path in new[] { options.Json, options.Csv, options.Markdown })
        {
            OutputPaths.CheckWritable(path);
        }

        if (options.PlotFolder is { } plots)
        {
            OutputPaths.CheckWritableFolder(plots);
        }

        IReadOnlyList<CorpusEntry> entries = CorpusEntry.Discover(options.Corpus ?? CorpusLocator.Default());
        IReadOnlyList<PageSet> sets = LoadAll(entries, options.PageSize);
        int pageBytes = sets[0].PageSize;
        if (sets.Any(s => s.PageSize != pageBytes))
        {
            throw new ArgumentException("the corpus entries have different page sizes; pass --page-size to compare them together");
        }

        AnsiConsole.MarkupLine($"[bold]{sets.Sum(s => (long)s.Count):N0}[/] pages of {pageBytes} B from {Markup.Escape(string.Join(", ", sets.Select(s => s.Name)))}; "
            + $"vector tier {SimdTiers.Best}; {options.Passes} timed passes{(options.MinTime > 0 ? $", at least {options.MinTime} s" : string.Empty)}");
        foreach (CodecInfo missing in CodecRegistry.All.Where(c => !c.IsAvailable))
        {
            AnsiConsole.MarkupLine($"[yellow]unavailable:[/] {Markup.Escape(missing.Name)}: {Markup.Escape(missing.Unavailable!)}");
        }

        ComparisonResult? result = null;
        AnsiConsole.Progress().AutoClear(true).Start(ctx =>
        {
            var task = ctx.AddTask("measuring codecs", maxValue: (options.Passes + 1) * (specs.Count + 1));
            result = CodecComparison.Run(specs, sets, options.Passes, options.MinTime, includeMemcpy: true, (done, planned) =>
            {
                task.MaxValue = planned;
                task.Value = done;
            });
        });

        if (baseline is not null)
        {
            result = result! with { Paired = PairedComparison.Against(result, baseline) };
        }

        AnsiConsole.Write(CodecTable.Build(result!, options.Sort));
        AnsiConsole.Write(CodecTable.BuildByClass(result!, options.Sort));
        if (result!.Paired is { Count: > 0 } paired)
        {
            AnsiConsole.Write(CodecTable.BuildPaired(paired));
        }

        AnsiConsole.MarkupLine("ratio = input bytes / output bytes (a page that does not shrink counts as sent raw); MB/s of input bytes; "
            + "Harrell-Davis medians over passes with 99% confidence intervals; every page verified every pass.");
        Report(result!, options);
        return result!;
    }

    private static int CheckOverhead(string? corpus, int passes, int? pageSize)
    {
        if (passes < 1)
        {
            throw new ArgumentException($"--passes must be at least 1, got {passes}");
        }

        IReadOnlyList<PageSet> sets = LoadAll(CorpusEntry.Discover(corpus ?? CorpusLocator.Default()), pageSize);
        OverheadResult result = null!;
        AnsiConsole.Status().Start("K4os LZ4: harness vs bare loop, alternating passes", _ => result = OverheadCheck.Run(sets, passes));
        AnsiConsole.MarkupLine($"compress: harness {Statistics.Median(result.HarnessCompress):F0} MB/s, bare loop {Statistics.Median(result.DirectCompress):F0} MB/s, "
            + $"harness/bare = [bold]{result.CompressRatio:F3}[/] (median of {passes} paired passes)");
        AnsiConsole.MarkupLine($"decompress: harness {Statistics.Median(result.HarnessDecompress):F0} MB/s, bare loop {Statistics.Median(result.DirectDecompress):F0} MB/s, "
            + $"harness/bare = [bold]{result.DecompressRatio:F3}[/]");
        return 0;
    }

    internal static IReadOnlyList<PageSet> LoadAll(IReadOnlyList<CorpusEntry> entries, int? pageSize)
    {
        var sets = new List<PageSet>();
        AnsiConsole.Progress().AutoClear(true).Start(ctx =>
        {
            var load = ctx.AddTask("loading pages", maxValue: entries.Count);
            foreach (CorpusEntry entry in entries)
            {
                sets.Add(PageSet.Load(entry, pageSize));
                load.Increment(1);
            }
        });
        return sets;
    }

    private static void Report(ComparisonResult result, CodecsOptions options)
    {
        if (options.Json is { } json)
        {
            ResultFiles.WriteJson(result, json);
            AnsiConsole.MarkupLine($"wrote {Markup.Escape(json)}");
        }

        if (options.Csv is { } csv)
        {
            ResultFiles.WriteCsv(result, csv);
            AnsiConsole.MarkupLine($"wrote {Markup.Escape(csv)}");
        }

        if (options.Markdown is { } markdown)
        {
            ResultFiles.WriteMarkdown(result, options.Sort, markdown);
            AnsiConsole.MarkupLine($"wrote {Markup.Escape(markdown)}");
        }

        if (options.PlotFolder is { } folder)
        {
            foreach (string png in CodecPlots.Write(result, folder))
            {
                AnsiConsole.MarkupLine($"wrote {Markup.Escape(png)}");
            }
        }
    }
}
