using System.CommandLine;
using Mecom.Harness.Reporting;
using Spectre.Console;

namespace Mecom.Harness.Cli;

/// <summary>
/// <c>mecom report FILE...</c>: saved result files (codecs, migrate/simulate, corpus stats, baselines) as
/// one HTML page, several runs side by side; with the plots of a results folder when given one.
/// </summary>
public static class ReportCommand
{
    public static Command Create()
    {
        var files = new Argument<string[]>("files") { Description = "JSON files written by codecs, migrate, simulate, corpus stats or baseline save; or a results folder of 'mecom run'", Arity = ArgumentArity.OneOrMore };
        var html = new Option<string>("--html") { Description = "the HTML page to write", DefaultValueFactory = _ => "report.html" };
        var plots = new Option<string?>("--plots") { Description = "a folder whose PNG plots (corpus-*, codecs-*, migrate-*, validate*) the page embeds; default: a results folder given as FILE" };
        var command = new Command("report", "re-render saved results as one self-contained HTML page, several runs side by side") { files, html, plots };
        command.SetAction(r => CliErrors.Guard(() =>
        {
            string output = r.GetValue(html)!;
            OutputPaths.CheckWritable(output);
            var inputs = new List<string>();
            string? plotFolder = r.GetValue(plots);
            foreach (string path in r.GetValue(files)!)
            {
                if (Directory.Exists(path))
                {
                    inputs.AddRange(new[] { "corpus.json", "codecs.json", "migrate.json" }.Select(f => Path.Combine(path, f)).Where(File.Exists));
                    plotFolder ??= path;
                }
                else
                {
                    inputs.Add(path);
                }
            }

            if (inputs.Count == 0)
            {
                throw new ArgumentException("no result files found (a results folder holds corpus.json, codecs.json and migrate.json)");
            }

            ReportParts parts = ReportFiles.Read(inputs, plotFolder is null ? [] : ReportFiles.Plots(plotFolder));
            HtmlReport.Write(output, parts);
            AnsiConsole.MarkupLine($"wrote {Markup.Escape(output)} ({parts.Codecs.Count} codec tables, {parts.Migration.Count} migration grids, {parts.Corpus.Count} corpus tables, {parts.Images.Count} plots)");
            return 0;
        }));
        return command;
    }
}
