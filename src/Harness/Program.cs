using System.CommandLine;
using Mecom.Harness.Cli;

namespace Mecom.Harness;

public static class Program
{
    public static int Main(string[] args)
    {
        if (Console.IsOutputRedirected)
        {
            // Logs and CI keep whole table rows instead of folding them at 80 columns.
            Spectre.Console.AnsiConsole.Profile.Width = 200;
        }

        var root = new RootCommand("mecom: how fast and how small memory pages compress for live migration");
        var verbose = new Option<bool>("--verbose") { Description = "show stack traces of errors", Recursive = true };
        root.Options.Add(verbose);
        CliErrors.Verbose = args.Contains("--verbose");
        Measure.Provenance.CurrentCommandLine = Measure.Provenance.Quote(args);
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(CodecsCommand.Create());
        root.Subcommands.Add(GateCommands.BaselineCommand());
        root.Subcommands.Add(GateCommands.GateCommand());
        root.Subcommands.Add(CorpusCommand.Create());
        root.Subcommands.Add(MigrateCommand.Create());
        root.Subcommands.Add(SimulateCommand.Create());
        root.Subcommands.Add(TuneCommand.Create());
        root.Subcommands.Add(DeltaCommand.Create());
        root.Subcommands.Add(DictCommand.Create());
        root.Subcommands.Add(ReportCommand.Create());
        root.Subcommands.Add(BridgeCommand.Create());
        root.Subcommands.Add(QemuMigrateCommand.Create());
        ParseResult parsed = root.Parse(args);
        bool help = parsed.Tokens.Any(t => t.Value is "--help" or "-h" or "-?");
        if (parsed.Errors.Count > 0 && !help)
        {
            Console.Error.WriteLine($"mecom: {ParseErrors.Describe(parsed)}");
            return CliErrors.UsageError;
        }

        return parsed.Invoke();
    }
}
