using System.CommandLine;
using System.Globalization;
using System.Text;
using Mecom.Harness.Qemu;
using Mecom.Harness.Reporting;
using Spectre.Console;

namespace Mecom.Harness.Cli;

/// <summary>
/// <c>mecom qemu-migrate</c>: real QEMU migrations through the bridges, every strategy and QEMU peer on the
/// same emulated link, each on a freshly booted guest (docs/design/bridge.md).
/// </summary>
public static class QemuMigrateCommand
{
    public static Command Create()
    {
        var grid = new GridOptions();
        var strategies = new Option<string>("--strategy") { Description = "comma-separated strategies through the bridges (raw, zero, lz4, zstd:1, mecom, any codec, passthrough)", DefaultValueFactory = _ => "mecom" };
        var peers = new Option<string>("--peers") { Description = $"comma-separated QEMU configurations on the same link, or none: {string.Join(", ", QemuPeer.Peers.Select(p => p.Name))}", DefaultValueFactory = _ => "qemu-default" };
        var ram = new Option<int>("--ram-mib") { Description = "guest RAM, MiB (128 boots reliably; 64 rebooted in a loop)", DefaultValueFactory = _ => 128 };
        var workload = new Option<string>("--workload") { Description = "the guest's key-value store: \"records=N hot=N rate=N\"", DefaultValueFactory = _ => GuestWorkloadSpec.Default.ToString() };
        var guest = new Option<string>("--guest") { Description = "linux (Debian kernel, busybox, kvstore: the corpora/vm guest) or seabios (firmware only: a smoke test in seconds)", DefaultValueFactory = _ => "linux" };
        var kernel = new Option<string?>("--kernel") { Description = "the guest kernel; default: the newest /boot/vmlinuz-*" };
        var qemu = new Option<string?>("--qemu") { Description = "the QEMU binary; default: qemu-system-x86_64 on the PATH" };
        var accel = new Option<string>("--accel") { Description = "tcg or kvm (a guest hung at kernel start under kvm on the machines seen so far)", DefaultValueFactory = _ => "tcg" };
        var repeat = new Option<int>("--repeat") { Description = "runs of each strategy and bandwidth, each on a fresh guest", DefaultValueFactory = _ => 1 };
        var health = new Option<double>("--health-s") { Description = "seconds after the migration the target must still run", DefaultValueFactory = _ => 10 };
        var capture = new Option<string?>("--capture") { Description = "capture the guest into this corpus entry (stem) just before the first migration, then replay it in the emulator and the simulator: the fidelity table" };
        var settle = new Option<double>("--settle-s") { Description = "seconds the source runs after its workload is ready, before migrating", DefaultValueFactory = _ => 3 };
        var command = new Command("qemu-migrate", "migrate a real QEMU guest through the bridges: our strategies and QEMU's own on the same link")
        {
            strategies, peers, grid.Bandwidths, grid.Latency, grid.Workers, ram, workload, guest, kernel, qemu, accel, repeat, health, settle, capture, grid.Json, grid.Markdown,
        };
        command.SetAction(r => CliErrors.Guard(() =>
        {
            var runs = new List<QemuPeer>();
            runs.AddRange(r.GetValue(strategies)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(QemuPeer.Parse));
            string peerList = r.GetValue(peers)!.Trim();
            if (!peerList.Equals("none", StringComparison.OrdinalIgnoreCase))
            {
                runs.AddRange(peerList.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(QemuPeer.Parse));
            }

            IReadOnlyList<double> bandwidths = Bandwidth.ParseList(r.GetValue(grid.Bandwidths)!);
            int ramMib = r.GetValue(ram);
            int repeats = r.GetValue(repeat);
            string kind = r.GetValue(guest)!.Trim().ToLowerInvariant();
            string accelerator = r.GetValue(accel)!.Trim().ToLowerInvariant();
            if (ramMib is < 16 or > 3072 || repeats < 1 || r.GetValue(health) < 0 || r.GetValue(settle) < 0 || kind is not ("linux" or "seabios") || accelerator is not ("tcg" or "kvm") || runs.Count == 0)
            {
                throw new ArgumentException("--ram-mib must be 16..3072, --repeat >= 1, --health-s and --settle-s >= 0, --guest linux or seabios, --accel tcg or kvm, and at least one strategy or peer");
            }

            string? stem = r.GetValue(capture);
            foreach (string? output in new[] { r.GetValue(grid.Json), r.GetValue(grid.Markdown), stem is null ? null : stem + ".meta.json" })
            {
                if (output is not null)
                {
                    OutputPaths.CheckWritable(output);
                }
            }

            string binary = r.GetValue(qemu) ?? Tools.Find("qemu-system-x86_64", "qemu-system-x86");
            string version = Tools.Run(binary, ["--version"], "asking QEMU its version").Split('\n')[0].Trim();
            string work = Directory.CreateTempSubdirectory("mecom-qemu-").FullName;
            try
            {
                var workloadSpec = GuestWorkloadSpec.Parse(r.GetValue(workload)!);
                GuestImage image = kind == "linux" ? GuestImage.Linux(Path.Combine(work, "guest"), r.GetValue(kernel), workloadSpec) : GuestImage.SeaBios();
                var settings = new QemuRunSettings
                {
                    QemuBinary = binary, Guest = image, WorkDir = work, RamMib = ramMib, Accelerator = accelerator,
                    Workers = r.GetValue(grid.Workers), LatencyMs = r.GetValue(grid.Latency),
                    HealthWait = TimeSpan.FromSeconds(r.GetValue(health)), Settle = TimeSpan.FromSeconds(r.GetValue(settle)),
                };
                Console.Error.WriteLine($"qemu-migrate: {version}, {accelerator}, {kind} guest of {ramMib} MiB{(kind == "linux" ? $" ({workloadSpec})" : "")}; {runs.Count * bandwidths.Count * repeats} migrations");
                var results = new List<MigrationRun>();
                int n = 0, total = runs.Count * bandwidths.Count * repeats;
                for (int k = 0; k < repeats; k++)
                {
                    foreach (double bps in bandwidths)
                    {
                        foreach (QemuPeer peer in runs)
                        {
                            n++;
                            // The first migration's guest is the one captured; every run boots the same recipe.
                            var one = n == 1 && stem is not null ? settings with { CaptureStem = stem } : settings;
                            MigrationRun run = QemuMigration.Run(peer, bps, one, version, line => Console.Error.WriteLine($"[{n}/{total}] {line}"));
                            results.Add(repeats > 1 ? run with { Repeat = k } : run);
                            Console.Error.WriteLine($"[{n}/{total}] {Line(run)}");
                        }
                    }
                }

                IReadOnlyList<MigrationRun> replayed = stem is null ? [] : Fidelity.Replay(stem, results, line => Console.Error.WriteLine($"qemu-migrate: {line}"));
                return Report(results, replayed, r.GetValue(grid.Json), r.GetValue(grid.Markdown));
            }
            finally
            {
                Directory.Delete(work, recursive: true);
            }
        }));
        return command;
    }

    private static string Line(MigrationRun run) =>
        $"{run.Strategy} at {run.Bandwidth}: {(run.Exact ? "exact" : "NOT EXACT")}, total {run.TotalTimeMs:0} ms, host downtime {run.Qemu?.HostDowntimeMs?.ToString("0.0", CultureInfo.InvariantCulture) ?? "?"} ms, "
        + $"{run.BytesSent:N0} B on the link, target {(run.Qemu?.Health.Running == true ? "running" : "NOT running")}{(run.Error is null ? "" : $" ({run.Error})")}";

    private static readonly string[] Headers =
        ["bandwidth", "strategy", "exact", "total ms", "QEMU downtime ms", "host downtime ms", "send / bridges / load ms", "MiB on link", "MiB stream", "syncs", "guest slowdown", "guest lag ms", "target after"];

    private static string[] Cells(MigrationRun r)
    {
        QemuFigures q = r.Qemu!;
        return
        [
            r.Bandwidth, r.Strategy, r.Exact ? "yes" : "NO", F(q.QueryMigrate.TotalTimeMs, "0"), F(q.QueryMigrate.DowntimeMs, "0"), q.HostDowntimeMs is { } h ? F(h, "0.0") : "?",
            q.DowntimeParts is { } d ? $"{F(d.SourceSendMs, "0")} / {F(d.BridgesAndLinkMs, "0")} / {F(d.TargetLoadMs, "0")}" : "",
            F(q.WireBytes / 1048576.0, "0.0"), F(q.StreamBytes / 1048576.0, "0.0"), q.QueryMigrate.DirtySyncCount.ToString(CultureInfo.InvariantCulture),
            q.Progress is { } p ? Change(-p.Slowdown) : "",
            q.Progress is { } g ? F(g.MaxLagMs, "0") : "",
            $"{(q.Health.Running ? "running" : "NOT running")}{(q.Health.GuestAlive is false ? ", guest silent" : "")}",
        ];
    }

    private static readonly string[] FidelityHeaders = ["bandwidth", "strategy", "metric", "real", "emulated", "deviation", "simulated", "deviation", "target"];

    private static string[] FidelityCells(FidelityRow f)
    {
        string Value(double v) => f.Metric == "data" ? F(v / 1048576.0, "0.0") + " MiB" : F(v, "0.0") + " ms";
        string Deviation(double d, bool met) => d.ToString("+0.0%;-0.0%;0.0%", CultureInfo.InvariantCulture) + (met ? "" : " (missed)");
        return
        [
            Bandwidth.Format(f.BandwidthBps), f.Strategy, f.Metric, Value(f.Real), Value(f.Emulated), Deviation(f.EmulatedDeviation, f.EmulatedMet),
            Value(f.Simulated), Deviation(f.SimulatedDeviation, f.SimulatedMet), "±" + F(f.Target * 100, "0") + "%",
        ];
    }

    /// <summary>A reduction as the change it is (0.3 less = -30.0%).</summary>
    private static string Change(double reduction) => (-reduction).ToString("+0.0%;-0.0%;0.0%", CultureInfo.InvariantCulture);

    private static string F(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);

    private static int Report(IReadOnlyList<MigrationRun> runs, IReadOnlyList<MigrationRun> replayed, string? json, string? markdown)
    {
        var table = new Table().RoundedBorder();
        foreach (string h in Headers)
        {
            table.AddColumn(h is "bandwidth" or "strategy" or "exact" or "target after" ? new TableColumn(h) : new TableColumn(h).RightAligned());
        }

        foreach (MigrationRun r in runs)
        {
            table.AddRow(Cells(r).Select(Markup.Escape).ToArray());
        }

        AnsiConsole.Write(table);
        string summary = Summary(runs);
        Console.WriteLine(summary);
        IReadOnlyList<FidelityRow> fidelity = Fidelity.Rows(runs, replayed);
        if (fidelity.Count > 0)
        {
            var t = new Table().RoundedBorder().Title("the emulator and the simulator replaying the captured guest, against the real migration");
            foreach (string h in FidelityHeaders)
            {
                t.AddColumn(h is "bandwidth" or "strategy" or "metric" ? new TableColumn(h) : new TableColumn(h).RightAligned());
            }

            foreach (FidelityRow f in fidelity)
            {
                t.AddRow(FidelityCells(f).Select(Markup.Escape).ToArray());
            }

            AnsiConsole.Write(t);
        }

        if (json is not null)
        {
            MigrationTables.WriteJson(MigrationReport.Here([.. runs, .. replayed]), json);
            Console.WriteLine($"wrote {json}");
        }

        if (markdown is not null)
        {
            var md = new StringBuilder("## Real QEMU migrations through the bridges\n\n");
            md.AppendLine("| " + string.Join(" | ", Headers) + " |");
            md.AppendLine("|" + string.Join("|", Headers.Select(h => h is "bandwidth" or "strategy" or "exact" or "target after" ? "---" : "---:")) + "|");
            foreach (MigrationRun r in runs)
            {
                md.AppendLine("| " + string.Join(" | ", Cells(r)) + " |");
            }

            QemuFigures any = runs[0].Qemu!;
            md.AppendLine().AppendLine($"{any.QemuVersion}, {any.Accelerator}; {any.Guest} guest of {any.RamMib} MiB ({runs[0].Workload}). "
                + "Host downtime: the source's STOP event to the target's RESUME event (QMP timestamps); QEMU's downtime ends when the source has written its last byte. "
                + $"Target after: query-status {any.Health.AfterS:0} s after the migration.");
            md.AppendLine().AppendLine(summary);
            if (fidelity.Count > 0)
            {
                md.AppendLine().AppendLine("### The emulator and the simulator against the real migration").AppendLine();
                md.AppendLine("| " + string.Join(" | ", FidelityHeaders) + " |");
                md.AppendLine("|" + string.Join("|", FidelityHeaders.Select(h => h is "bandwidth" or "strategy" or "metric" ? "---" : "---:")) + "|");
                foreach (FidelityRow f in fidelity)
                {
                    md.AppendLine("| " + string.Join(" | ", FidelityCells(f)) + " |");
                }

                md.AppendLine().AppendLine($"The guest captured just before the first migration ({replayed[0].Corpus}), replayed with the same strategy (qemu-default as `zero`), link and stop rule (qemu, 300 ms); data is bytes on the link, downtime the host-side figure.");
            }
            ResultFiles.Write(markdown, md.ToString());
            Console.WriteLine($"wrote {markdown}");
        }

        return runs.All(r => r.Exact && r.Qemu!.Health.Running) ? 0 : 1;
    }

    /// <summary>Each strategy against qemu-default at the same bandwidth (medians over repeats), beside the paper's reductions.</summary>
    internal static string Summary(IReadOnlyList<MigrationRun> runs)
    {
        var lines = new StringBuilder();
        foreach (var atRate in runs.GroupBy(r => r.BandwidthBps))
        {
            var baseline = atRate.Where(r => r.Strategy == "qemu-default" && r.Error is null).ToList();
            if (baseline.Count == 0)
            {
                continue;
            }

            foreach (var group in atRate.Where(r => r.Strategy != "qemu-default" && r.Error is null).GroupBy(r => r.Strategy))
            {
                static double Median(IEnumerable<double> xs)
                {
                    double[] s = xs.Order().ToArray();
                    return s.Length % 2 == 1 ? s[s.Length / 2] : (s[(s.Length / 2) - 1] + s[s.Length / 2]) / 2;
                }

                double Cut(Func<MigrationRun, double> metric) => 1 - (Median(group.Select(metric)) / Median(baseline.Select(metric)));
                double downtime = Cut(r => r.DowntimeMs), time = Cut(r => r.TotalTimeMs), data = Cut(r => r.BytesSent);
                lines.AppendLine(CultureInfo.InvariantCulture, $"{group.Key} against qemu-default at {Bandwidth.Format(atRate.Key)}: host downtime {Change(downtime)}, total time {Change(time)}, data on the link {Change(data)} "
                    + $"(paper: {Change(Reduction.Paper.Downtime)}, {Change(Reduction.Paper.TotalTime)}, {Change(Reduction.Paper.Data)})");
            }
        }

        return lines.Length == 0 ? "(no qemu-default run to compare against)" : lines.ToString().TrimEnd();
    }
}
