using Mecom.Codecs;
using Mecom.Harness.Gate;
using Mecom.Harness.Measure;
using Mecom.Tests.Support;

namespace Mecom.Tests.Harness;

/// <summary>The gate's decisions on hand-made and on real, deterministic inputs (sizes); speed is never timed here.</summary>
public class GateTests
{
    private static CodecRow Row(string codec, long bytesOut, params double[] speeds) => new()
    {
        Codec = codec,
        Pages = 10,
        BytesIn = 40960,
        BytesOut = bytesOut,
        CompressMBps = new SpeedSummary(Statistics.Median(speeds), 0, 0) { Samples = speeds },
        DecompressMBps = new SpeedSummary(Statistics.Median(speeds), 0, 0) { Samples = speeds },
    };

    private static ComparisonResult Result(string cpu, params CodecRow[] rows) => new()
    {
        Machine = new MachineInfo(cpu, 2, 256, ".NET", "Linux"),
        Settings = new ComparisonSettings(rows.Select(r => r.Codec).ToArray(), 8, 0, 4096),
        Corpus = [new CorpusInfo("c", 10)],
        Results = rows,
    };

    private static readonly double[] Steady = [100, 101, 99, 100, 102, 98, 100, 101];

    [Fact]
    public void Identical_runs_are_same_everywhere()
    {
        var run = Result("cpu", Row("lz4", 9000, Steady));
        GateReport report = GateComparison.Compare(run, run, "5%");
        Assert.All(report.Rows, r => Assert.Equal(Verdict.Same, r.Verdict));
        Assert.False(report.Regressed);
    }

    [Fact]
    public void Any_growth_in_bytes_is_a_regression_and_any_shrink_an_improvement()
    {
        var baseline = Result("cpu", Row("a", 9000, Steady), Row("b", 9000, Steady));
        var current = Result("cpu", Row("a", 9001, Steady), Row("b", 8999, Steady));
        GateReport report = GateComparison.Compare(baseline, current, "5%");
        Assert.Equal(Verdict.Regressed, report.Rows.Single(r => r.Codec == "a" && r.Metric == "size").Verdict);
        Assert.Equal(Verdict.Improved, report.Rows.Single(r => r.Codec == "b" && r.Metric == "size").Verdict);
        Assert.True(report.Regressed);
    }

    [Fact]
    public void A_clear_slowdown_beyond_the_threshold_regresses_and_noise_within_it_does_not()
    {
        double[] slower = Steady.Select(s => s * 0.7).ToArray();
        double[] noisy = Steady.Select((s, i) => s * (i % 2 == 0 ? 1.02 : 0.98)).ToArray();
        var baseline = Result("cpu", Row("lz4", 9000, Steady));
        Assert.Equal(Verdict.Regressed, GateComparison.Compare(baseline, Result("cpu", Row("lz4", 9000, slower)), "5%").Rows[1].Verdict);
        Assert.Equal(Verdict.Same, GateComparison.Compare(baseline, Result("cpu", Row("lz4", 9000, noisy)), "5%").Rows[1].Verdict);
        Assert.Equal(Verdict.Improved, GateComparison.Compare(baseline, Result("cpu", Row("lz4", 9000, Steady.Select(s => s * 1.5).ToArray())), "5%").Rows[1].Verdict);
    }

    [Fact]
    public void Another_machine_is_compared_relative_to_memcpy_with_a_warning()
    {
        // The new machine is twice as fast at everything: relative to memcpy nothing changed.
        var baseline = Result("old", Row("lz4", 9000, Steady), Row("memcpy", 40960, Steady.Select(s => s * 10).ToArray()));
        var current = Result("new", Row("lz4", 9000, Steady.Select(s => s * 2).ToArray()), Row("memcpy", 40960, Steady.Select(s => s * 20).ToArray()));
        GateReport report = GateComparison.Compare(baseline, current, "5%");
        Assert.True(report.Normalized);
        Assert.Contains(report.Warnings, w => w.Contains("another machine", StringComparison.Ordinal));
        Assert.All(report.Rows, r => Assert.Equal(Verdict.Same, r.Verdict));
    }

    [Fact]
    public void Unusable_input_is_refused()
    {
        var baseline = Result("cpu", Row("lz4", 9000, Steady));
        Assert.Throws<ArgumentException>(() => GateComparison.Compare(baseline, baseline, "five percent"));
        Assert.Throws<ArgumentException>(() => GateComparison.Compare(baseline, Result("cpu", Row("zstd:1", 9000, Steady)), "5%"));
        Assert.Throws<ArgumentException>(() => GateComparison.Compare(baseline, Result("cpu", Row("lz4", 9000, 100, 101)), "5%"));
        var otherPages = baseline with { Corpus = [new CorpusInfo("c", 11)] };
        Assert.Throws<ArgumentException>(() => GateComparison.Compare(baseline, otherPages, "5%"));
    }

    [Fact]
    public void A_selector_threshold_that_moves_pages_to_a_weaker_codec_is_a_size_regression()
    {
        // Real, deterministic sizes: mecom:0 sends no page through WKdm; mecom:8 sends every page WKdm shrinks,
        // and WKdm is the weaker codec here. Under one name, the change must be flagged.
        var pages = new PageSet("p", Corpora.Shipped().First(e => e.Name == "python-sqlite").ReadAllPages()[..(512 * 4096)], 4096);
        ComparisonResult Measure(string codec) => CodecComparison.Run([CodecRegistry.Parse(codec)], [pages], 3, 0, includeMemcpy: false);
        ComparisonResult before = Measure("mecom:0");
        ComparisonResult after = Measure("mecom:8");
        var renamed = after with { Results = after.Results.Select(r => r with { Codec = "mecom:0" }).ToArray() };
        GateReport report = GateComparison.Compare(before, renamed, "100%");
        Assert.Equal(Verdict.Regressed, report.Rows.Single(r => r.Metric == "size").Verdict);
        Assert.True(report.Regressed);
    }

    [Fact]
    public void A_slow_spell_of_the_cores_moves_the_calibration_row_too_and_is_not_a_regression()
    {
        // Compute slows to 0.6x for codecs and the calibration loop alike; memory speed does not.
        double[] slow = Steady.Select(s => s * 0.6).ToArray();
        double[] memcpy = Steady.Select(s => s * 10).ToArray();
        var baseline = Result("cpu", Row("lz4", 9000, Steady), Row("memcpy", 40960, memcpy), Row("calibration", 40960, Steady));
        var spell = Result("cpu", Row("lz4", 9000, slow), Row("memcpy", 40960, memcpy), Row("calibration", 40960, slow));
        Assert.All(GateComparison.Compare(baseline, spell, "5%").Rows, r => Assert.Equal(Verdict.Same, r.Verdict));

        // The same slowdown in one codec only, with the cores at full speed, is a regression.
        var regression = Result("cpu", Row("lz4", 9000, slow), Row("memcpy", 40960, memcpy), Row("calibration", 40960, Steady));
        GateReport report = GateComparison.Compare(baseline, regression, "5%");
        Assert.Equal(Verdict.Regressed, report.Rows.Single(r => r.Metric == "compress").Verdict);
        Assert.DoesNotContain(report.Rows, r => r.Codec is "memcpy" or "calibration");
    }

    [Fact]
    public void The_calibration_row_round_trips_and_keeps_its_work()
    {
        var codec = new CalibrationCodec();
        byte[] page = TestPages.Adversarial(4096).First(p => p.Name == "random bytes").Page;
        byte[] output = new byte[4096];
        byte[] back = new byte[4096];
        Assert.Equal(4096, codec.Compress(page, output));
        codec.Decompress(output, back);
        Assert.Equal(page, back);
        Assert.True(CalibrationCodec.IsReference("calibration") && CalibrationCodec.IsReference("memcpy") && !CalibrationCodec.IsReference("lz4"));
    }

    [Fact]
    public void Simulated_migration_metrics_are_deterministic_and_any_growth_is_a_regression()
    {
        var entry = Corpora.Shipped().First(e => e.Name == "python-sqlite");
        var guest = Mecom.Harness.Migration.Experiments.MigrationGrid.LoadGuest(entry, new Mecom.Harness.Migration.Policy.MigrationSettings { Strategy = Mecom.Harness.Migration.Policy.Strategy.Parse("raw") });
        var first = MigrationGate.Measure(guest);
        var second = MigrationGate.Measure(guest);
        Assert.All(MigrationGate.Compare(first, second), r => Assert.Equal(Verdict.Same, r.Verdict));
        Assert.Equal(MigrationGate.Strategies.Length * 3, MigrationGate.Compare(first, second).Count());

        var bigger = second.Select(r => r.Strategy == "mecom" ? r with { BytesSent = r.BytesSent + 1 } : r).ToArray();
        GateRow[] rows = MigrationGate.Compare(first, bigger).ToArray();
        Assert.Equal(Verdict.Regressed, rows.Single(r => r.Codec == "migrate mecom @ 1gbit" && r.Metric == "bytes").Verdict);
        Assert.Single(rows, r => r.Verdict != Verdict.Same);
    }
}
