using System.CommandLine;
using Mecom.Harness.Corpus;
using Mecom.Harness.Reporting;
using Spectre.Console;

namespace Mecom.Harness.Cli;

/// <summary>
/// <c>mecom run</c>: the README's main job on the shipped corpus (or <c>--corpus</c>): corpus statistics,
/// the codec comparison, then the emulated migration grid (every strategy at 100 Mbit/s and 1 Gbit/s),
/// with every output written to a results folder and a summary against the paper's figures.
/// </summary>
public static class RunCommand
{
    public static Command Create()
    {
        var corpus = new Option<string?>("--corpus") { Description = "a corpus entry (file stem) or a folder of entries; default: the shipped corpora/" };
        var output = new Option<string>("--out") { Description = "folder for JSON, Markdown, CSV and plots", DefaultValueFactory = _ => "results" };
        var passes = new Option<int>("--passes") { Description = "timed passes per codec", DefaultValueFactory = _ => 7 };
        var bandwidths = new Option<string>("--bandwidth") { Description = "migration grid link rates", DefaultValueFactory = _ => "100mbit,1gbit" };
        var skipMigration = new Option<bool>("--no-migrate") { Description = "stop after the codec table" };
        var command = new Command("run", "the main job: corpus stats, every codec compared, and the migration grid; writes results/")
        {
            corpus, output, passes, bandwidths, skipMigration,
        };
        command.SetAction(r => CliErrors.Guard(() => Execute(
            r.GetValue(corpus), r.GetValue(output)!, r.GetValue(passes), r.GetValue(bandwidths)!, !r.GetValue(skipMigration))));
        return command;
    }

    private static int Execute(string? corpus, string folder, int passes, string bandwidthList, bool migrate)
    {
        OutputPaths.CheckWritableFolder(folder);
        IReadOnlyList<double> bandwidths = Bandwidth.ParseList(bandwidthList);
        string source = corpus ?? CorpusLocator.Default();

        AnsiConsole.Write(new Rule("[bold]1. corpus[/]").LeftJustified());
        StatsCommand.Execute(source, Path.Combine(folder, "corpus.json"), folder);

        AnsiConsole.Write(new Rule("[bold]2. codecs[/]").LeftJustified());
        var options = new CodecsOptions(source, "all", passes, 0, null, SortColumn.Compress,
            Path.Combine(folder, "codecs.json"), Path.Combine(folder, "codecs.csv"), Path.Combine(folder, "codecs.md"), folder);
        CodecsCommand.Execute(options);

        IReadOnlyList<MigrationRun> runs = [];
        if (migrate)
        {
            AnsiConsole.Write(new Rule("[bold]3. migration[/]").LeftJustified());
            string guests = MigrationGuests(corpus);
            var request = new GridRequest(guests, Strategy.Default, bandwidths, new MigrationSettings { Strategy = Strategy.Parse("raw") },
                Path.Combine(folder, "migrate.json"), Path.Combine(folder, "migrate.md"), folder);
            runs = GridExecution.Execute(request, (spec, settings, onRound) => EmulatedMigration.RunInProcess(spec, settings, onRound));
            Summary(runs);
        }

        // The page people open: everything above, read back from the files just written.
        string[] saved = new[] { "corpus.json", "codecs.json", "migrate.json" }.Select(f => Path.Combine(folder, f)).Where(File.Exists).ToArray();
        string index = Path.Combine(folder, "index.html");
        HtmlReport.Write(index, ReportFiles.Read(saved, ReportFiles.Plots(folder)));
        AnsiConsole.MarkupLine($"wrote {Markup.Escape(index)}");
        AnsiConsole.MarkupLine($"[green]done:[/] results in {Markup.Escape(Path.GetFullPath(folder))}");
        return runs.All(r => r.Exact && r.Error is null) ? 0 : 1;
    }

    /// <summary>The shipped VM when no corpus is named; otherwise the named entries (those with traces).</summary>
    private static string MigrationGuests(string? corpus) =>
        corpus ?? Path.Combine(CorpusLocator.Default(), "vm-kvstore");

    private static void Summary(IReadOnlyList<MigrationRun> runs)
    {
        var table = new Table().RoundedBorder().Title("mecom vs raw pre-copy (reductions; the paper's in the header)")
            .AddColumn("corpus").AddColumn("bandwidth")
            .AddColumn(new TableColumn($"downtime (paper {Reduction.Paper.Downtime:P1})").RightAligned())
            .AddColumn(new TableColumn($"total time (paper {Reduction.Paper.TotalTime:P0})").RightAligned())
            .AddColumn(new TableColumn($"data (paper {Reduction.Paper.Data:P1})").RightAligned())
            .AddColumn("exact (all strategies)");
        foreach (MigrationRun r in runs.Where(r => r.Strategy == "mecom" && r.VsRaw is not null))
        {
            bool exact = runs.Where(o => o.Corpus == r.Corpus && o.BandwidthBps == r.BandwidthBps).All(o => o.Exact);
            table.AddRow(r.Corpus, r.Bandwidth, Cell(r.VsRaw!.Downtime, Reduction.Paper.Downtime), Cell(r.VsRaw.TotalTime, Reduction.Paper.TotalTime),
                Cell(r.VsRaw.Data, Reduction.Paper.Data), exact ? "[green]yes[/]" : "[red]NO[/]");
        }

        AnsiConsole.Write(table);
    }

    private static string Cell(double reduction, double paper) =>
        $"[{(reduction >= paper ? "green" : "yellow")}]{reduction:P1}[/]";
}
