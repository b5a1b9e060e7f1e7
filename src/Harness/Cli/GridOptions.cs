using System.CommandLine;

namespace Mecom.Harness.Cli;

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
    public readonly Option<long> SendBuffer = new("--send-buffer-kib") { Description = "the source's socket send buffer, KiB: bytes it counts as sent before the link carries them (QEMU's: 4096)", DefaultValueFactory = _ => 0 };
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
    public readonly Option<string?> Json = new("--json") { Description = "write the runs as JSON (a runs list; schema: docs/design/json.md)" };
    public readonly Option<string?> Markdown = new("--markdown") { Description = "write the table as Markdown" };
    public readonly Option<string?> SettingsFile = new("--settings") { Description = "apply a 'mecom tune' settings file: per bandwidth, the selector's thresholds, batch size and workers" };
    public readonly Option<string?> Plot = new("--plot") { Description = "write PNG plots (per-round bytes and dirty pages; downtime/time/data bars) into this folder" };

    public void AddTo(Command command)
    {
        foreach (Option o in new Option[] { Corpus, Strategies, Bandwidths, Latency, SendBuffer, Stop, DowntimeLimit, MaxRounds, Resume, Batch, RawAbove, Workers, CachePercent, TimeScale, DirtyRate, HotSet, Seed, MaxSeconds, SettingsFile, Json, Markdown, Plot })
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
            SendBufferBytes = checked(V(r, SendBuffer) * 1024),
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
