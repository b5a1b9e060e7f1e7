using System.CommandLine;
using System.Text.Json;
using Mecom.Harness.Bridge;
using Mecom.Harness.Reporting;

namespace Mecom.Harness.Cli;

/// <summary>
/// <c>mecom bridge source|target</c>: bridges on a real QEMU migration connection (docs/design/bridge.md).
/// Each serves one migration, prints whether the stream the target read is the one the source wrote, and
/// exits 1 when it is not.
/// </summary>
public static class BridgeCommand
{
    public static Command Create()
    {
        var command = new Command("bridge", "bridges on a real QEMU 7.2 migration connection: compress its RAM pages between them, byte-exact");
        command.Subcommands.Add(SourceCommand());
        command.Subcommands.Add(TargetCommand());
        return command;
    }

    private static Command SourceCommand()
    {
        var grid = new GridOptions();
        var listen = new Option<string>("--listen") { Description = "ADDR:PORT the source QEMU migrates to (migrate tcp:ADDR:PORT)", Required = true };
        var to = new Option<string>("--to") { Description = "the target bridge's HOST:PORT", Required = true };
        var strategy = new Option<string>("--strategy") { Description = "raw, zero, lz4, zstd:1, mecom or any codec; passthrough: bytes only", DefaultValueFactory = _ => "mecom" };
        var json = new Option<string?>("--json") { Description = "write the run's report as JSON" };
        var command = new Command("source", "accept the source QEMU's migration and carry it to the target bridge") { listen, to, strategy, grid.Bandwidths, grid.Latency, grid.Workers, json };
        command.SetAction(r => CliErrors.Guard(() =>
        {
            var bandwidths = Bandwidth.ParseList(r.GetValue(grid.Bandwidths)!);
            if (bandwidths.Count != 1)
            {
                throw new ArgumentException("--bandwidth takes one rate for a bridge");
            }

            var options = BridgeOptions.For(r.GetValue(strategy)!, bandwidths[0], r.GetValue(grid.Latency), r.GetValue(grid.Workers));
            using var bridge = new SourceBridge(MigrateCommand.ParseEndpoint(r.GetValue(listen)!, "--listen"), MigrateCommand.ParseEndpoint(r.GetValue(to)!, "--to"), options, Console.Error.WriteLine);
            Console.Error.WriteLine($"bridge source: listening on {bridge.LocalEndPoint}, {options.StrategyName} at {Bandwidth.Format(options.BitsPerSecond)}");
            return Finish(bridge.Run(), r.GetValue(json));
        }));
        return command;
    }

    private static Command TargetCommand()
    {
        var listen = new Option<string>("--listen") { Description = "ADDR:PORT the source bridge connects to", Required = true };
        var to = new Option<string>("--to") { Description = "the target QEMU's HOST:PORT (-incoming tcp:HOST:PORT)", Required = true };
        var json = new Option<string?>("--json") { Description = "write the run's report as JSON" };
        var command = new Command("target", "rebuild the stream from the source bridge and hand it to the target QEMU") { listen, to, json };
        command.SetAction(r => CliErrors.Guard(() =>
        {
            using var bridge = new TargetBridge(MigrateCommand.ParseEndpoint(r.GetValue(listen)!, "--listen"), MigrateCommand.ParseEndpoint(r.GetValue(to)!, "--to"));
            Console.Error.WriteLine($"bridge target: listening on {bridge.LocalEndPoint}");
            return Finish(bridge.Run(), r.GetValue(json));
        }));
        return command;
    }

    private static int Finish(BridgeReport report, string? json)
    {
        foreach (ChannelReport c in report.Channels)
        {
            Console.WriteLine($"connection {c.Channel}: {c.StreamBytes:N0} stream bytes, {c.NormalPages:N0} normal and {c.ZeroPages:N0} zero pages, exact: {(c.Exact ? "true" : "false")}{(c.Error is null ? "" : $" ({c.Error})")}{(c.PassThrough is null ? "" : $"; {c.PassThrough}")}");
        }

        Console.WriteLine($"{report.Role}: {report.StreamBytes:N0} stream bytes, {report.WireBytes:N0} on the link, {report.ElapsedMs / 1000:F2} s, exact: {(report.Exact ? "true" : "false")}{(report.Error is null ? "" : $" ({report.Error})")}");
        if (json is not null)
        {
            AtomicFile.WriteAllText(json, JsonSerializer.Serialize(new { report.Role, report.Strategy, report.BandwidthBps, report.StreamBytes, report.WireBytes, report.ElapsedMs, report.Exact, report.Error, report.Channels }, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase }));
        }

        return report.Exact ? 0 : 1;
    }
}
