using Mecom.Tests.Support;

namespace Mecom.Tests.Migration;

/// <summary><c>mecom simulate --validate</c>: its live progress displays share the console with the CLI tests.</summary>
[Collection("console")]
public class ValidationTests
{
    [Fact]
    public void Validation_pairs_each_emulated_run_with_a_simulation_of_the_same_point()
    {
        string stem = Path.Combine(Corpora.ShippedFolder, "python-sqlite");
        var request = new GridRequest(stem, Strategy.ParseList("zero,lz4"), [1e9, 10e9],
            new MigrationSettings { Strategy = Strategy.Parse("raw") }, Json: null, Markdown: null, Plot: null);
        string pairsPath = Path.Combine(Path.GetTempPath(), $"mecom-pairs-{Guid.NewGuid():N}.json");
        var (simulated, emulated, points) = Validation.Validate(request, speeds: null, repeats: 2, RunGrid, pairsPath);
        var downtimes = points.Select(p => p.Downtime).ToArray();

        Assert.Equal(4, simulated.Count);
        Assert.Equal(emulated.Select(e => (e.Corpus, e.Strategy, e.BandwidthBps)), simulated.Select(s => (s.Corpus, s.Strategy, s.BandwidthBps)));
        Assert.All(simulated, s => Assert.Equal("simulated", s.Mode));
        Assert.All(emulated, e => Assert.Equal("emulated", e.Mode));
        Assert.All(emulated, e => Assert.True(e.Exact, $"{e.Strategy} @ {e.Bandwidth}"));
        Assert.Equal(4, downtimes.Length);
        foreach (var (spread, e) in downtimes.Zip(emulated))
        {
            // The median of two runs lies between them, and the interval of the median is around it.
            Assert.Equal(2, spread.Samples.Length);
            Assert.InRange(e.DowntimeMs, spread.Low, spread.High);
            Assert.InRange(spread.Median.Median, spread.Median.CiLow, spread.Median.CiHigh);
            Assert.True(spread.Median.CiHigh > spread.Median.CiLow || spread.Low == spread.High, $"{spread.Median} from {string.Join(", ", spread.Samples)}");
            Assert.Equal(2, spread.Simulated.Length);
            Assert.InRange(spread.Deviation.Median, spread.Deviation.CiLow, spread.Deviation.CiHigh);
        }

        // Every run of both repeats, pair by pair, each marked with its repeat.
        MigrationRun[] written = Mecom.Harness.Reporting.MigrationTables.ReadJson(pairsPath).Runs.ToArray();
        // Read back, the file gives the same pairs, so the same verdicts.
        var (savedSims, savedEmulated) = Validation.ReadPairs(pairsPath);
        var (_, _, again) = Validation.Summarise(savedSims, savedEmulated);
        File.Delete(pairsPath);
        Assert.Equal(points.Select(p => (p.Downtime.Deviation.Median, p.TotalTime.Median, p.Data.Median)), again.Select(p => (p.Downtime.Deviation.Median, p.TotalTime.Median, p.Data.Median)));
        Assert.Equal(16, written.Length);
        Assert.Equal([0, 1], written.Select(r => r.Repeat).Distinct().Order().Select(r => r!.Value));
        foreach (var group in written.GroupBy(r => (r.Corpus, r.Strategy, r.BandwidthBps, r.Repeat)))
        {
            Assert.Equal(["emulated", "simulated"], group.Select(r => r.Mode).Order());
        }

        foreach (var ((s, e), point) in simulated.Zip(emulated).Zip(points))
        {
            // Sizes are exact in both; only the guest's writes during the runs differ, and how many land
            // before the stop depends on how fast this machine runs the emulation: on a loaded two-core
            // machine the emulated run took 1.6% more bytes. What this test checks is the pairing.
            Assert.InRange((double)s.BytesSent / e.BytesSent, 0.96, 1.04);
            Assert.Equal(2, point.Data.Samples.Count);
            Assert.InRange(point.Data.Median, -0.04, 0.04);
            Assert.Equal(2, point.TotalTime.Samples.Count);
            Assert.InRange(point.TotalTime.Median, point.TotalTime.CiLow, point.TotalTime.CiHigh);
        }
    }

    /// <summary>The grid as <c>simulate --validate</c> runs it, less the console's progress and tables.</summary>
    private static IReadOnlyList<MigrationRun> RunGrid(GridRequest request, Func<GuestSpec, MigrationSettings, Action<RoundRecord>, MigrationRun> runOne)
    {
        GuestSpec[] guests = Mecom.Harness.Corpus.CorpusEntry.Discover(request.Corpus!).Select(e => MigrationGrid.LoadGuest(e, request.Settings)).ToArray();
        return MigrationGrid.Run(guests, request.Strategies, request.Bandwidths, request.Settings, (spec, settings) => runOne(spec, settings, _ => { }));
    }

    /// <summary>A run of lz4 at 1 Gbit/s on a guest "vm", all that the table and the pairs file read.</summary>
    private static MigrationRun Run(string mode, int? repeat = null, double downtime = 2) => new()
    {
        Corpus = "vm", Strategy = "lz4", BandwidthBps = 1e9, Mode = mode, StopRule = "qemu", StopReason = "", Workload = "",
        DowntimeMs = downtime, TotalTimeMs = 300, BytesSent = 1 << 20, Exact = true, Repeat = repeat,
    };

    private static readonly double[] Emulated = [10.0, 10.1, 9.9, 10.0, 10.05, 9.95, 10.0, 10.02, 9.98];

    [Fact]
    public void Simulations_close_to_their_emulations_pair_by_pair_are_within_the_band()
    {
        var spread = new DowntimeSpread(Emulated, Emulated.Select(e => e * 1.02).ToArray());

        Assert.InRange(spread.Deviation.Median, 0.0199, 0.0201);
        Assert.Equal("within 10%", spread.Verdict(0.10));
    }

    [Fact]
    public void Simulations_half_again_as_long_are_outside_the_band()
    {
        var spread = new DowntimeSpread(Emulated, Emulated.Select(e => e * 1.5).ToArray());

        Assert.InRange(spread.Deviation.Median, 0.499, 0.501);
        Assert.Equal("outside 10%", spread.Verdict(0.10));
        Assert.Equal("within 60%", spread.Verdict(0.60));
    }

    [Fact]
    public void Pairs_that_scatter_across_the_band_leave_it_undecided()
    {
        // Right on average, but pair by pair from -30% to +30%: nine runs cannot place it inside 10%.
        double[] factors = [0.7, 1.3, 0.8, 1.2, 1.0, 0.75, 1.25, 0.9, 1.1];
        var spread = new DowntimeSpread(Emulated, Emulated.Zip(factors, (e, f) => e * f).ToArray());

        Assert.Equal("undecided", spread.Verdict(0.10));
    }

    [Fact]
    public void The_validation_table_renders_each_points_paired_verdict()
    {
        var exact = PairedPoint.Deviations([300.0, 300], [300.0, 300]);
        var points = new[]
        {
            new PairedPoint(new(Emulated, Emulated.Select(e => e * 1.02).ToArray()), exact, exact),
            new PairedPoint(new([5.0], [5.5]), PairedPoint.Deviations([300.0], [330.0]), exact),
        };
        var output = new StringWriter();
        var console = Spectre.Console.AnsiConsole.Create(new Spectre.Console.AnsiConsoleSettings { Ansi = Spectre.Console.AnsiSupport.No, ColorSystem = Spectre.Console.ColorSystemSupport.NoColors, Out = new Spectre.Console.AnsiConsoleOutput(output) });
        console.Profile.Width = 400;

        console.Write(Mecom.Harness.Reporting.ValidationTables.Build([Run("simulated", downtime: 10.2), Run("simulated", downtime: 5.5)], [Run("emulated", downtime: 10), Run("emulated", downtime: 5)], points));

        string text = output.ToString();
        Assert.Contains("+2.0% (+2% to +2%), within 10%", text);
        Assert.Contains("+10.0% (+10% to +10%), one run: no interval", text);
        // The total time column shows the paired deviation (+10% in the second point's one pair), not the medians' ratio (0%).
        Assert.Contains("0.300 / 0.300 (+10.0%)", text);
    }

    [Fact]
    public void The_emulator_is_judged_against_itself_by_its_even_against_its_odd_repeats()
    {
        // Even repeats 2 ms, odd ones 2.5 ms: the two halves of the same minutes land 20% apart.
        var steady = new DowntimeSpread(Emulated, Emulated);
        var jumpy = new DowntimeSpread([2.0, 2.5, 2.0, 2.5, 2.0, 2.5], [2.2, 2.2, 2.2, 2.2, 2.2, 2.2]);
        var single = new DowntimeSpread([2.0], [2.2]);

        Assert.InRange(steady.Halves, -0.01, 0.01);
        Assert.Equal(-0.2, jumpy.Halves, 9);
        Assert.True(double.IsNaN(single.Halves));

        var exact = PairedPoint.Deviations([300.0], [300.0]);
        MigrationRun[] emulated = [Run("emulated"), Run("emulated") with { Strategy = "zstd:1" }];
        var points = new[] { new PairedPoint(steady, exact, exact), new PairedPoint(jumpy, exact, exact) };
        string? note = Mecom.Harness.Reporting.ValidationTables.NoiseNote(emulated, points);
        Assert.NotNull(note);
        Assert.Contains("at 1 of 2 points", note);
        Assert.Contains("zstd:1 @ 1gbit (-20%)", note);
        Assert.Null(Mecom.Harness.Reporting.ValidationTables.NoiseNote(emulated[..1], points[..1]));

        var output = new StringWriter();
        var console = Spectre.Console.AnsiConsole.Create(new Spectre.Console.AnsiConsoleSettings { Ansi = Spectre.Console.AnsiSupport.No, ColorSystem = Spectre.Console.ColorSystemSupport.NoColors, Out = new Spectre.Console.AnsiConsoleOutput(output) });
        console.Profile.Width = 400;
        console.Write(Mecom.Harness.Reporting.ValidationTables.Build([Run("simulated"), Run("simulated")], emulated, points));
        Assert.Contains("emulator vs itself", output.ToString());
        Assert.Contains("-20.0%", output.ToString());
    }

    [Fact]
    public void The_validation_plot_is_a_png_named_after_the_corpus()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"mecom-validate-{Guid.NewGuid():N}");
        var exact = PairedPoint.Deviations([300.0], [300.0]);
        var points = new[]
        {
            new PairedPoint(new(Emulated, Emulated.Select(e => e * 1.02).ToArray()), exact, exact),
            // Two runs 30x apart: an interval far beyond the drawing's range must still draw.
            new PairedPoint(new([0.1, 3.0], [3.0, 0.1]), exact, exact),
            new PairedPoint(new([5.0], [5.5]), exact, exact),
        };
        try
        {
            string path = Mecom.Harness.Reporting.ValidationPlots.Write([Run("emulated"), Run("emulated") with { Strategy = "zstd:1" }, Run("emulated") with { Strategy = "mecom" }], points, 9, folder);

            Assert.Equal(Path.Combine(folder, "validate-vm.png"), path);
            byte[] png = File.ReadAllBytes(path);
            Assert.True(png.Length > 10_000, $"{png.Length} bytes");
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void A_pairs_file_missing_a_run_or_its_repeats_is_refused_naming_what_is_missing()
    {
        string path = Path.Combine(Path.GetTempPath(), $"mecom-pairs-{Guid.NewGuid():N}.json");
        void Write(params MigrationRun[] runs) => Mecom.Harness.Reporting.MigrationTables.WriteJson(
            new MigrationReport { Machine = Mecom.Harness.Measure.MachineInfo.Current(), Commit = "test", Date = DateTimeOffset.UnixEpoch, Runs = runs }, path);
        try
        {
            Write(Run("simulated", 0), Run("emulated", 0), Run("simulated", 1));
            var e = Assert.Throws<ArgumentException>(() => Validation.ReadPairs(path));
            Assert.Contains("repeat 1 has no emulated run of vm lz4 @ 1gbit", e.Message);

            Write(Run("simulated", null), Run("emulated", null));
            e = Assert.Throws<ArgumentException>(() => Validation.ReadPairs(path));
            Assert.Contains("has no repeat", e.Message);

            Write(Run("simulated", 0), Run("emulated", 0), Run("emulated", 1), Run("simulated", 1));
            var (sims, emulated) = Validation.ReadPairs(path);
            Assert.Equal(2, sims.Count);
            Assert.All(sims, repeat => Assert.Equal("simulated", Assert.Single(repeat).Mode));
            Assert.All(emulated, repeat => Assert.Equal("emulated", Assert.Single(repeat).Mode));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void One_run_gives_no_interval_to_decide_by()
    {
        var spread = new DowntimeSpread([5.0], [5.5]);

        Assert.InRange(spread.Deviation.Median, 0.0999, 0.1001);
        Assert.Equal("one run: no interval", spread.Verdict(0.10));
    }

    [Fact]
    public void Pairs_with_no_emulated_downtime_are_left_out_of_the_deviation()
    {
        var spread = new DowntimeSpread([0.0, 4.0, 4.0], [1.0, 4.0, 4.0]);

        Assert.Equal(2, spread.Deviation.Samples.Count);
        Assert.Equal(0.0, spread.Deviation.Median, 6);
    }
}
