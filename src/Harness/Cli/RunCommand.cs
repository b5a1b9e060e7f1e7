using System.CommandLine;
using Mecom.Codecs;
using Mecom.Codecs.Pages;
using Mecom.Harness.Corpus;
using Mecom.Harness.Measure;
using Mecom.Harness.Reporting;
using Spectre.Console;

namespace Mecom.Harness.Cli;

/// <summary><c>mecom run</c>: the main job. Today: every codec over every page of the corpus, as a table.</summary>
public static class RunCommand
{
    public static Command Create()
    {
        var corpus = new Option<string?>("--corpus") { Description = "a corpus entry (file stem) or a folder of entries; default: the shipped corpora/" };
        var codecs = new Option<string>("--codecs") { Description = "comma-separated codec names with optional levels (lz4, zstd:3, ...), or all", DefaultValueFactory = _ => "all" };
        var passes = new Option<int>("--passes") { Description = "timed passes after one warm-up pass", DefaultValueFactory = _ => 5 };
        var pageSize = new Option<int?>("--page-size") { Description = "re-cut the images into pages of this size (4096 or 16384)" };
        var baseline = new Option<string>("--baseline") { Description = "codec the speed ratios are taken against", DefaultValueFactory = _ => "lz4" };

        var command = new Command("run", "measure every codec on every page of the corpus (the README's main job)")
        {
            corpus, codecs, passes, pageSize, baseline,
        };
        command.SetAction(result => CliErrors.Guard(() => Execute(
            result.GetValue(corpus), result.GetValue(codecs)!, result.GetValue(passes), result.GetValue(pageSize), result.GetValue(baseline)!)));
        return command;
    }

    private static int Execute(string? corpusPath, string codecList, int passes, int? pageSize, string baseline)
    {
        if (passes < 1)
        {
            throw new ArgumentException($"--passes must be at least 1, got {passes}");
        }

        if (pageSize is { } size)
        {
            PageCodec.ValidatePageSize(size);
        }

        IReadOnlyList<CodecSpec> specs = CodecRegistry.ParseList(codecList);
        string baselineName = CodecRegistry.Parse(baseline).ToString();
        IReadOnlyList<CorpusEntry> entries = CorpusEntry.Discover(corpusPath ?? CorpusLocator.Default());

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

        long pages = sets.Sum(s => (long)s.Count);
        AnsiConsole.MarkupLine($"[bold]{pages:N0}[/] pages of {sets[0].PageSize} B from {Markup.Escape(string.Join(", ", sets.Select(s => s.Name)))}; "
            + $"vector tier {Simd.Best}; {passes} timed passes");
        foreach (CodecInfo missing in CodecRegistry.All.Where(c => !c.IsAvailable))
        {
            AnsiConsole.MarkupLine($"[yellow]unavailable:[/] {Markup.Escape(missing.Name)}: {Markup.Escape(missing.Unavailable!)}");
        }

        IReadOnlyList<CodecMeasurement> rows = [];
        AnsiConsole.Progress().AutoClear(true).Start(ctx =>
        {
            var task = ctx.AddTask("measuring codecs", maxValue: (passes + 1) * specs.Count);
            rows = CodecRunner.Run(specs, sets, passes, done => task.Value = done);
        });

        AnsiConsole.Write(CodecTable.Build(rows, baselineName));
        AnsiConsole.MarkupLine("ratio = input bytes / output bytes (a page that does not shrink counts as sent raw); MB/s of input; medians over passes; every page verified every pass.");
        return 0;
    }
}
