using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using Mecom.Harness.Corpus;
using Mecom.Harness.Measure;
using Mecom.Harness.Reporting;
using Spectre.Console;

namespace Mecom.Harness.Cli;

/// <summary>
/// <c>mecom migrate</c>: emulated pre-copy live migration over a real TCP connection. In one process by
/// default (the target on a loopback socket beside the source); <c>migrate target</c> and
/// <c>migrate source</c> split it over two processes or hosts.
/// </summary>
public static class MigrateCommand
{
    /// <summary>The options every form that drives a migration shares.</summary>
    internal sealed class GridOptions
    {
        public readonly Option<string?> Corpus = new("--corpus") { Description = "a corpus entry (file stem) or folder; default: the shipped VM, corpora/vm-kvstore" };
        public readonly Option<string> Strategies = new("--strategy") { Description = $"comma-separated: {Strategy.Forms}; or all", DefaultValueFactory = _ => "all" };
        public readonly Option<string> Bandwidths = new("--bandwidth") { Description = "comma-separated link rates, e.g. 100mbit,1gbit,10gbit", DefaultValueFactory = _ => "1gbit" };
        public readonly Option<double> Latency = new("--latency") { Description = "one-way link latency, ms", DefaultValueFactory = _ => 0 };
        public readonly Option<string> Stop = new("--stop") { Description = "stop rule: qemu (expected downtime <= --downtime-limit) or xen (29 rounds, < 50 dirty pages, 3x memory)", DefaultValueFactory = _ => "qemu" };
        public readonly Option<double> DowntimeLimit = new("--downtime-limit") { Description = "qemu rule: ms of expected downtime to stop at", DefaultValueFactory = _ => 300 };
        public readonly Option<int> MaxRounds = new("--max-rounds") { Description = "most iterative rounds before stop-and-copy", DefaultValueFactory = _ => 30 };
        public readonly Option<double> Resume = new("--resume-ms") { Description = "constant added to downtime for the guest's resume", DefaultValueFactory = _ => 0 };
        public readonly Option<int> Batch = new("--batch") { Description = "pages per frame (128 = QEMU multifd's 512 KiB)", DefaultValueFactory = _ => 128 };
        public readonly Option<double> RawAbove = new("--raw-above") { Description = "send a page raw when its compressed record exceeds this fraction of the page (1 = only when it does not shrink)", DefaultValueFactory = _ => 1 };
        public readonly Option<int> Workers = new("--workers") { Description = "compressing / decompressing threads per side; 0 = cores", DefaultValueFactory = _ => 0 };
        public readonly Option<double> CachePercent = new("--cache-percent") { Description = "delta strategies: old-page cache, % of guest memory", DefaultValueFactory = _ => 25 };
        public readonly Option<double> TimeScale = new("--time-scale") { Description = "trace time runs this many times faster than wall time", DefaultValueFactory = _ => 1 };
        public readonly Option<double?> DirtyRate = new("--dirty-rate") { Description = "synthetic guest instead of the trace: pages written per second" };
        public readonly Option<long> HotSet = new("--hot-set") { Description = "synthetic guest: pages it writes to", DefaultValueFactory = _ => 4096 };
        public readonly Option<int> Seed = new("--seed") { Description = "synthetic guest's random seed", DefaultValueFactory = _ => 1 };
        public readonly Option<double> MaxSeconds = new("--max-seconds") { Description = "cap on one run's pre-copy, seconds", DefaultValueFactory = _ => 600 };
        public readonly Option<string?> Json = new("--json") { Description = "write the runs as JSON (a runs list; schema in the README)" };
        public readonly Option<string?> Markdown = new("--markdown") { Description = "write the table as Markdown" };
        public readonly Option<string?> SettingsFile = new("--settings") { Description = "apply a 'mecom tune' settings file: per bandwidth, the selector's thresholds, batch size and workers" };
        public readonly Option<string?> Plot = new("--plot") { Description = "write PNG plots (per-round bytes and dirty pages; downtime/time/data bars) into this folder" };

        public void AddTo(Command command)
        {
            foreach (Option o in new Option[] { Corpus, Strategies, Bandwidths, Latency, Stop, DowntimeLimit, MaxRounds, Resume, Batch, RawAbove, Workers, CachePercent, TimeScale, DirtyRate, HotSet, Seed, MaxSeconds, SettingsFile, Json, Markdown, Plot })
            {
                command.Options.Add(o);
            }
        }

        /// <summary>An option's value, or its default when the command does not carry it (tune takes only some).</summary>
        private static T V<T>(ParseResult r, Option<T> option) =>
            r.GetResult(option) is not null || option.DefaultValueFactory is null ? r.GetValue(option)! : (T)option.GetDefaultValue()!;

        public MigrationSettings Settings(ParseResult r)
        {
            string stop = V(r, Stop)!.Trim().ToLowerInvariant();
            var settings = new MigrationSettings
            {
                Strategy = Strategy.Parse("raw"),
                LatencyMs = V(r, Latency),
                StopRule = stop switch
                {
                    "xen" => StopRuleKind.Xen,
                    "qemu" => StopRuleKind.Qemu,
                    _ => throw new ArgumentException($"unknown stop rule '{stop}'; use qemu or xen"),
                },
                DowntimeLimitMs = V(r, DowntimeLimit),
                MaxRounds = V(r, MaxRounds),
                ResumeMs = V(r, Resume),
                BatchPages = V(r, Batch),
                RawAbove = V(r, RawAbove),
                Workers = V(r, Workers),
                DeltaCachePercent = V(r, CachePercent),
                TimeScale = V(r, TimeScale),
                DirtyRate = V(r, DirtyRate),
                HotSet = V(r, HotSet),
                Seed = V(r, Seed),
                MaxSeconds = V(r, MaxSeconds),
            };
            settings.Validate();
            return settings;
        }

        public GridRequest Request(ParseResult r) => new(
            r.GetValue(Corpus), Strategy.ParseList(r.GetValue(Strategies)!), Bandwidth.ParseList(r.GetValue(Bandwidths)!), Settings(r),
            r.GetValue(Json), r.GetValue(Markdown), r.GetValue(Plot), r.GetValue(SettingsFile) is { } f ? TunedSettings.Read(f) : null);
    }

    internal sealed record GridRequest(string? Corpus, IReadOnlyList<Strategy> Strategies, IReadOnlyList<double> Bandwidths, MigrationSettings Settings, string? Json, string? Markdown, string? Plot, TunedSettings? Tuned = null);

    public static Command Create()
    {
        var grid = new GridOptions();
        var command = new Command("migrate", "emulated pre-copy live migration over a real loopback connection: downtime, total time, data per strategy and bandwidth");
        grid.AddTo(command);
        command.SetAction(r => CliErrors.Guard(() =>
        {
            IReadOnlyList<MigrationRun> runs = Execute(grid.Request(r), (spec, settings, onRound) => EmulatedMigration.RunInProcess(spec, settings, onRound));
            return runs.All(x => x.Exact && x.Error is null) ? 0 : 1;
        }));
        command.Subcommands.Add(TargetCommand());
        command.Subcommands.Add(SourceCommand());
        command.Subcommands.Add(LinkCheckCommand());
        return command;
    }

    private static Command LinkCheckCommand()
    {
        var bandwidth = new Option<string>("--bandwidth") { Description = "link rates to check", DefaultValueFactory = _ => "100mbit,1gbit" };
        var seconds = new Option<double>("--seconds") { Description = "seconds of traffic per rate", DefaultValueFactory = _ => 5 };
        var command = new Command("link-check", "measure the link emulator on this machine: rate in every one-second window vs the setting") { bandwidth, seconds };
        command.SetAction(r => CliErrors.Guard(() =>
        {
            double s = r.GetValue(seconds);
            if (s is < 1.5 or > 600)
            {
                throw new ArgumentException($"--seconds must be in 1.5..600, got {s}");
            }

            var table = new Table().RoundedBorder().AddColumn("setting")
                .AddColumn(new TableColumn("mean").RightAligned()).AddColumn(new TableColumn("slowest 1 s window").RightAligned())
                .AddColumn(new TableColumn("fastest 1 s window").RightAligned()).AddColumn(new TableColumn("worst deviation").RightAligned());
            foreach (double bps in Bandwidth.ParseList(r.GetValue(bandwidth)!))
            {
                LinkCheck.Result result = LinkCheck.Run(bps, s);
                table.AddRow(Bandwidth.Format(bps), Bandwidth.Format(result.MeanBps), Bandwidth.Format(result.MinWindowBps),
                    Bandwidth.Format(result.MaxWindowBps), $"{result.WorstDeviation:P2} over {result.Windows} windows");
            }

            AnsiConsole.Write(table);
            return 0;
        }));
        return command;
    }

    private static Command SourceCommand()
    {
        var grid = new GridOptions();
        var to = new Option<string>("--to") { Description = "the target's HOST:PORT (a running 'mecom migrate target')", Required = true };
        var token = TokenOption();
        var command = new Command("source", "the sending side, to a target in another process or host") { to, token };
        grid.AddTo(command);
        command.SetAction(r => CliErrors.Guard(() =>
        {
            IPEndPoint endpoint = ParseEndpoint(r.GetValue(to)!, "--to");
            IReadOnlyList<MigrationRun> runs = Execute(grid.Request(r), (spec, settings, onRound) =>
            {
                using TcpClient client = EmulatedMigration.ConfigureSource(new TcpClient());
                try
                {
                    client.Connect(endpoint);
                }
                catch (SocketException e)
                {
                    throw new MigrationFailedException($"cannot connect to the target at {endpoint}: {e.Message}");
                }

                // A target on this machine competes for its cores; one elsewhere has its own (the adaptive selector's CPU term).
                return EmulatedMigration.RunSource(client.GetStream(), spec, settings with { SharedHosts = IPAddress.IsLoopback(endpoint.Address) }, null, onRound, Token(r, token));
            });
            return runs.All(x => x.Exact && x.Error is null) ? 0 : 1;
        }));
        return command;
    }

    private static Command TargetCommand()
    {
        var listen = new Option<string>("--listen") { Description = "ADDRESS:PORT to accept the source on", DefaultValueFactory = _ => "127.0.0.1:7070" };
        var sessions = new Option<int>("--sessions") { Description = "migrations to serve before exiting; 0 = until stopped", DefaultValueFactory = _ => 0 };
        var workers = new Option<int>("--workers") { Description = "decompressing threads; 0 = cores", DefaultValueFactory = _ => 0 };
        var maxMemory = new Option<long>("--max-memory-mib") { Description = "largest guest a source may announce, MiB", DefaultValueFactory = _ => 2047 };
        var token = TokenOption();
        var command = new Command("target", "the receiving side: decodes and verifies every page, serves one migration after another") { listen, sessions, workers, maxMemory, token };
        command.SetAction(r => CliErrors.Guard(() =>
        {
            IPEndPoint endpoint = ParseEndpoint(r.GetValue(listen)!, "--listen");
            int count = r.GetValue(sessions);
            if (count < 0)
            {
                throw new ArgumentException($"--sessions must not be negative, got {count}");
            }

            string? secret = Token(r, token);
            if (secret is null && !IPAddress.IsLoopback(endpoint.Address))
            {
                throw new ArgumentException($"listening on {endpoint} (not loopback) needs a shared secret: pass --token (or set {TokenVariable}) on both sides");
            }

            long mib = r.GetValue(maxMemory);
            if (mib is < 1 or > 2047)
            {
                throw new ArgumentException($"--max-memory-mib must be in 1..2047 (one array holds the guest), got {mib}");
            }

            // One session at a time, and a short queue of waiting peers: the target's memory is one guest's.
            var listener = new TcpListener(endpoint);
            try
            {
                listener.Start(backlog: 4);
            }
            catch (SocketException e)
            {
                throw new ArgumentException($"cannot listen on {endpoint}: {e.Message}");
            }

            Console.Out.WriteLine($"mecom target: listening on {listener.LocalEndpoint}");
            var target = new MigrationTarget(r.GetValue(workers), new TargetLimits { MaxMemoryBytes = mib << 20 }, secret);
            int failures = 0;
            for (int served = 0; count == 0 || served < count; served++)
            {
                using TcpClient client = EmulatedMigration.ConfigureTarget(listener.AcceptTcpClient());
                TargetReport report = target.Serve(client.GetStream());
                failures += report.Error is null && report.Exact ? 0 : 1;
                Console.Out.WriteLine(report.Error is null
                    ? $"mecom target: session from {client.Client.RemoteEndPoint}: {report.PagesApplied:N0} pages verified, memory exact: {report.Exact}"
                    : $"mecom target: session from {client.Client.RemoteEndPoint} failed: {report.Error}");
            }

            listener.Stop();
            return failures == 0 ? 0 : 1;
        }));
        return command;
    }

    public const string TokenVariable = "MECOM_MIGRATE_TOKEN";

    private static Option<string?> TokenOption() =>
        new("--token") { Description = $"shared secret for the HMAC handshake (default: ${TokenVariable}); required by a target listening beyond loopback" };

    private static string? Token(ParseResult r, Option<string?> option)
    {
        string? token = r.GetValue(option) ?? Environment.GetEnvironmentVariable(TokenVariable);
        if (string.IsNullOrEmpty(token))
        {
            return null;
        }

        return token.Length >= 8 ? token : throw new ArgumentException("--token must be at least 8 characters");
    }

    internal static IPEndPoint ParseEndpoint(string text, string option)
    {
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text[(colon + 1)..], out int port) || port is < 0 or > 65535)
        {
            throw new ArgumentException($"{option} '{text}' is not HOST:PORT (e.g. 127.0.0.1:7070)");
        }

        string host = text[..colon].Trim('[', ']');
        if (IPAddress.TryParse(host, out IPAddress? address))
        {
            return new IPEndPoint(address, port);
        }

        try
        {
            return new IPEndPoint(Dns.GetHostAddresses(host).First(), port);
        }
        catch (Exception e) when (e is SocketException or InvalidOperationException)
        {
            throw new ArgumentException($"{option}: cannot resolve host '{host}'");
        }
    }

    /// <summary>Default guests: the shipped VM entry, or every entry at <c>--corpus</c>.</summary>
    internal static IReadOnlyList<CorpusEntry> Entries(string? corpus)
    {
        if (corpus is not null)
        {
            return CorpusEntry.Discover(corpus);
        }

        string folder = CorpusLocator.Default();
        return CorpusEntry.Discover(Path.Combine(folder, "vm-kvstore"));
    }

    internal static IReadOnlyList<GuestSpec> LoadGuests(GridRequest request)
    {
        IReadOnlyList<CorpusEntry> entries = Entries(request.Corpus);
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
