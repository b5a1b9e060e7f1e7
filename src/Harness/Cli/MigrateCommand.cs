using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using Spectre.Console;

namespace Mecom.Harness.Cli;

/// <summary>
/// <c>mecom migrate</c>: emulated pre-copy live migration over a real TCP connection. In one process by
/// default (the target on a loopback socket beside the source); <c>migrate target</c> and
/// <c>migrate source</c> split it over two processes or hosts.
/// </summary>
public static class MigrateCommand
{
    public static Command Create()
    {
        var grid = new GridOptions();
        var command = new Command("migrate", "emulated pre-copy live migration over a real loopback connection: downtime, total time, data per strategy and bandwidth");
        grid.AddTo(command);
        command.SetAction(r => CliErrors.Guard(() =>
        {
            IReadOnlyList<MigrationRun> runs = GridExecution.Execute(grid.Request(r), (spec, settings, onRound) => EmulatedMigration.RunInProcess(spec, settings, onRound));
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
        var tokenFile = TokenFileOption();
        var command = new Command("source", "the sending side, to a target in another process or host") { to, token, tokenFile };
        grid.AddTo(command);
        command.SetAction(r => CliErrors.Guard(() =>
        {
            IPEndPoint endpoint = ParseEndpoint(r.GetValue(to)!, "--to");
            // Read once, before any connection: a missing token file is a usage error, not a failed migration.
            string? secret = Token(r, token, tokenFile);
            IReadOnlyList<MigrationRun> runs = GridExecution.Execute(grid.Request(r), (spec, settings, onRound) =>
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
                return EmulatedMigration.RunSource(client.GetStream(), spec, settings with { SharedHosts = IPAddress.IsLoopback(endpoint.Address) }, null, onRound, secret);
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
        var tokenFile = TokenFileOption();
        var command = new Command("target", "the receiving side: decodes and verifies every page, serves one migration after another") { listen, sessions, workers, maxMemory, token, tokenFile };
        command.SetAction(r => CliErrors.Guard(() =>
        {
            IPEndPoint endpoint = ParseEndpoint(r.GetValue(listen)!, "--listen");
            int count = r.GetValue(sessions);
            if (count < 0)
            {
                throw new ArgumentException($"--sessions must not be negative, got {count}");
            }

            string? secret = Token(r, token, tokenFile);
            if (secret is null && !IPAddress.IsLoopback(endpoint.Address))
            {
                throw new ArgumentException($"listening on {endpoint} (not loopback) needs a shared secret: pass --token (or set {TokenVariable}) on both sides");
            }

            long mib = r.GetValue(maxMemory);
            if (mib is < 1 or > 2047)
            {
                throw new ArgumentException($"--max-memory-mib must be in 1..2047 (one array holds the guest), got {mib}");
            }

            // One migration at a time (the target's memory is one guest's); handshakes are served concurrently.
            var listener = new TcpListener(endpoint);
            try
            {
                listener.Start(backlog: 16);
            }
            catch (SocketException e)
            {
                throw new ArgumentException($"cannot listen on {endpoint}: {e.Message}");
            }

            Console.Out.WriteLine($"mecom target: listening on {listener.LocalEndpoint}");
            var target = new MigrationTarget(r.GetValue(workers), new TargetLimits { MaxMemoryBytes = mib << 20 }, secret);
            int failures = new TargetServer(target, listener).Run(count, line =>
            {
                lock (listener)
                {
                    Console.Out.WriteLine(line);
                }
            });
            listener.Stop();
            return failures == 0 ? 0 : 1;
        }));
        return command;
    }

    /// <summary>The token's variable; the older <see cref="LegacyTokenVariable"/> is read too.</summary>
    public const string TokenVariable = "MECOM_TOKEN";

    public const string LegacyTokenVariable = "MECOM_MIGRATE_TOKEN";

    private static Option<string?> TokenOption() =>
        new("--token") { Description = $"shared secret for mutual authentication (default: --token-file, ${TokenVariable} or ${LegacyTokenVariable}); required by a target listening beyond loopback. Visible to other users in /proc/PID/cmdline: prefer the file or the variable" };

    private static Option<string?> TokenFileOption() =>
        new("--token-file") { Description = "read the shared secret from this file (its first line)" };

    private static string? Token(ParseResult r, Option<string?> option, Option<string?> fileOption)
    {
        string? token = r.GetValue(option);
        if (r.GetValue(fileOption) is { } file)
        {
            if (token is not null)
            {
                throw new ArgumentException("--token and --token-file: pass one");
            }

            token = ReadTokenFile(file);
        }

        token ??= Environment.GetEnvironmentVariable(TokenVariable) ?? Environment.GetEnvironmentVariable(LegacyTokenVariable);
        if (string.IsNullOrEmpty(token))
        {
            return null;
        }

        return token.Length >= 8 ? token : throw new ArgumentException("--token must be at least 8 characters");
    }

    private static string ReadTokenFile(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new ArgumentException($"--token-file {path}: no such file");
        }

        // A secret is a line: a large file is a mistake, not a token.
        if (info.Length > 4096)
        {
            throw new ArgumentException($"--token-file {path}: {info.Length} bytes is not a token (at most 4096)");
        }

        string text = File.ReadAllText(path);
        string line = text.Split('\n', 2)[0].TrimEnd('\r');
        return line.Length > 0 ? line : throw new ArgumentException($"--token-file {path}: the first line is empty");
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
}
