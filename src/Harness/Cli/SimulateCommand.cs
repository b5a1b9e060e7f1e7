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
        var grid = new GridOptions();
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

                var (savedSims, savedEmulated) = Validation.ReadPairs(saved);
                var (s, e, p) = Validation.Summarise(savedSims, savedEmulated);
                AnsiConsole.MarkupLine($"{Markup.Escape(saved)}: {savedSims.Count} repeats of {s.Count} points");
                WriteValidation(s, e, p, savedSims.Count, plotFolder);
                return 0;
            }

            GridRequest request = grid.Request(r);
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
            IReadOnlyList<MigrationRun> Simulate(GridRequest req)
            {
                var prices = new CostCache(request.Strategies, speeds, timed: !free);
                return GridExecution.Execute(req, (spec, settings, _) => SimulatedMigration.Run(spec, settings, prices.For(spec)), "Simulated pre-copy migration", warmUp: false);
            }

            IReadOnlyList<MigrationRun> simulated = Simulate(request);
            if (r.GetValue(validate))
            {
                int n = r.GetValue(repeat);
                if (n is < 1 or > 100)
                {
                    throw new ArgumentException($"--repeat must be in 1..100, got {n}");
                }

                var (sims, emulated, points) = Validation.Validate(request with { Json = null, Markdown = null, Plot = null }, speeds, n,
                    (req, runOne) => GridExecution.Execute(req, runOne), pairsPath,
                    onRepeat: i => AnsiConsole.MarkupLine($"[bold]emulating the same grid to validate ({i + 1} of {n}), each run priced just before it[/]"),
                    onPairsWritten: i => AnsiConsole.MarkupLine($"wrote {Markup.Escape(pairsPath!)} ({i + 1} of {n} repeats)"));
                WriteValidation(sims, emulated, points, n, request.Plot);
            }

            return 0;
        }));
        return command;
    }

    private static void WriteValidation(IReadOnlyList<MigrationRun> sims, IReadOnlyList<MigrationRun> emulated, IReadOnlyList<PairedPoint> points, int repeats, string? plotFolder)
    {
        AnsiConsole.Write(ValidationTables.Build(sims, emulated, points));
        if (ValidationTables.NoiseNote(emulated, points) is { } note)
        {
            AnsiConsole.MarkupLine($"[yellow]{Markup.Escape(note)}[/]");
        }

        if (plotFolder is not null)
        {
            AnsiConsole.MarkupLine($"wrote {Markup.Escape(ValidationPlots.Write(emulated, points, repeats, plotFolder))}");
        }
    }

    internal static bool ParseHosts(string text) => text.Trim().ToLowerInvariant() switch
    {
        "shared" => true,
        "separate" => false,
        _ => throw new ArgumentException($"--hosts must be shared or separate, got '{text}'"),
    };
}
