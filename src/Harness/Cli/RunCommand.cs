using System.CommandLine;
using Mecom.Harness.Reporting;
using Spectre.Console;

namespace Mecom.Harness.Cli;

/// <summary>
/// <c>mecom run</c>: the README's main job on the shipped corpus (or <c>--corpus</c>): the codec
/// comparison with every output written to a results folder.
/// </summary>
public static class RunCommand
{
    public static Command Create()
    {
        var corpus = new Option<string?>("--corpus") { Description = "a corpus entry (file stem) or a folder of entries; default: the shipped corpora/" };
        var output = new Option<string>("--out") { Description = "folder for JSON, Markdown, CSV and plots", DefaultValueFactory = _ => "results" };
        var passes = new Option<int>("--passes") { Description = "timed passes per codec", DefaultValueFactory = _ => 7 };
        var command = new Command("run", "the main job: compare every codec on the corpus and write results/") { corpus, output, passes };
        command.SetAction(r => CliErrors.Guard(() => Execute(r.GetValue(corpus), r.GetValue(output)!, r.GetValue(passes))));
        return command;
    }

    private static int Execute(string? corpus, string folder, int passes)
    {
        OutputPaths.CheckWritableFolder(folder);
        var options = new CodecsOptions(corpus, "all", passes, 0, null, SortColumn.Compress,
            Path.Combine(folder, "codecs.json"), Path.Combine(folder, "codecs.csv"), Path.Combine(folder, "codecs.md"), folder);
        CodecsCommand.Execute(options);
        AnsiConsole.MarkupLine($"[green]done:[/] results in {Markup.Escape(Path.GetFullPath(folder))}");
        return 0;
    }
}
