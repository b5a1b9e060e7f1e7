using Mecom.Harness.Corpus;
using Mecom.Harness.Reporting;
using Spectre.Console;

namespace Mecom.Harness.Cli;

/// <summary>
/// A migration grid run for the console, as <c>migrate</c>, <c>migrate source</c>, <c>simulate</c> and
/// <c>run</c> show it: the guests loaded, a progress display, the runs' table, and the files asked for.
/// </summary>
internal static class GridExecution
{
    /// <summary>The request's guests, loaded under a status line: a corpus folder can take a while to read.</summary>
    internal static IReadOnlyList<GuestSpec> LoadGuests(GridRequest request)
    {
        IReadOnlyList<CorpusEntry> entries = CorpusLocator.Entries(request.Corpus);
        var guests = new List<GuestSpec>();
        AnsiConsole.Status().Start("loading guests", _ =>
        {
            foreach (CorpusEntry entry in entries)
            {
                guests.Add(MigrationGrid.LoadGuest(entry, request.Settings));
            }
        });
        return guests;
    }

    /// <summary>
    /// Runs every point of <paramref name="request"/> through <paramref name="runOne"/> (the emulator, a remote
    /// target or the simulator), each with the request's tuned settings applied, and shows and writes the runs.
    /// Output paths are checked first, so a bad one fails before minutes of migrations rather than after.
    /// </summary>
    internal static IReadOnlyList<MigrationRun> Execute(GridRequest request, Func<GuestSpec, MigrationSettings, Action<RoundRecord>, MigrationRun> runOne, string title = "Emulated pre-copy migration", bool warmUp = true)
    {
        foreach (string? path in new[] { request.Json, request.Markdown })
        {
            OutputPaths.CheckWritable(path);
        }

        if (request.Plot is not null)
        {
            OutputPaths.CheckWritableFolder(request.Plot);
        }

        IReadOnlyList<GuestSpec> guests = LoadGuests(request);

        int total = guests.Count * request.Bandwidths.Count * request.Strategies.Count;
        AnsiConsole.MarkupLine($"migrating {Markup.Escape(string.Join(", ", guests.Select(g => $"{g.Name} ({g.Pages * g.PageSize / 1048576.0:0.#} MiB)")))}: "
            + $"{request.Strategies.Count} strategies x {request.Bandwidths.Count} bandwidths, stop rule {request.Settings.StopRule.ToString().ToLowerInvariant()}");
        IReadOnlyList<MigrationRun> runs = [];
        AnsiConsole.Progress().AutoClear(true).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("migrations", maxValue: total);
                var round = ctx.AddTask("rounds", maxValue: 1);
                runs = MigrationGrid.Run(guests, request.Strategies, request.Bandwidths, request.Settings,
                    (spec, settings) =>
                    {
                        settings = request.Tuned?.Apply(settings) ?? settings;
                        task.Description = $"{spec.Name} {settings.Strategy.Name} @ {Bandwidth.Format(settings.BandwidthBps)}";
                        return runOne(spec, settings, r => round.Description = $"round {r.Round}: {r.Pages:N0} pages, {r.DirtyAfter:N0} dirty after");
                    },
                    run => task.Increment(1), warmUp);
            });

        AnsiConsole.Write(MigrationTables.Build(runs));
        foreach (MigrationRun failed in runs.Where(r => r.Error is not null || !r.Exact))
        {
            AnsiConsole.MarkupLine($"[red]{Markup.Escape(failed.Corpus)} {Markup.Escape(failed.Strategy)} @ {failed.Bandwidth}:[/] {Markup.Escape(failed.Error ?? "target memory differs from the source's")}");
        }

        var report = MigrationReport.Here(runs);
        if (request.Json is { } json)
        {
            MigrationTables.WriteJson(report, json);
            AnsiConsole.MarkupLine($"wrote {Markup.Escape(json)}");
        }

        if (request.Markdown is { } md)
        {
            ResultFiles.Write(md, MigrationTables.Markdown(runs, title));
            AnsiConsole.MarkupLine($"wrote {Markup.Escape(md)}");
        }

        if (request.Plot is { } folder)
        {
            foreach (string png in MigrationPlots.Write(runs, folder))
            {
                AnsiConsole.MarkupLine($"wrote {Markup.Escape(png)}");
            }
        }

        return runs;
    }
}
