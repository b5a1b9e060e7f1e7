using Mecom.Harness.Migration;
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
        var request = new Mecom.Harness.Cli.MigrateCommand.GridRequest(stem, Strategy.ParseList("zero,lz4"), [1e9, 10e9],
            new MigrationSettings { Strategy = Strategy.Parse("raw") }, Json: null, Markdown: null, Plot: null);
        var (simulated, emulated, downtimes) = Mecom.Harness.Cli.SimulateCommand.Validate(request, speeds: null, repeats: 2);

        Assert.Equal(4, simulated.Count);
        Assert.Equal(emulated.Select(e => (e.Corpus, e.Strategy, e.BandwidthBps)), simulated.Select(s => (s.Corpus, s.Strategy, s.BandwidthBps)));
        Assert.All(simulated, s => Assert.Equal("simulated", s.Mode));
        Assert.All(emulated, e => Assert.Equal("emulated", e.Mode));
        Assert.All(emulated, e => Assert.True(e.Exact, $"{e.Strategy} @ {e.Bandwidth}"));
        Assert.Equal(4, downtimes.Count);
        foreach (var (spread, e) in downtimes.Zip(emulated))
        {
            // The median of two runs lies between them, and the interval of the median is around it.
            Assert.Equal(2, spread.Samples.Length);
            Assert.InRange(e.DowntimeMs, spread.Low, spread.High);
            Assert.InRange(spread.Median.Median, spread.Median.CiLow, spread.Median.CiHigh);
            Assert.True(spread.Median.CiHigh > spread.Median.CiLow || spread.Low == spread.High, $"{spread.Median} from {string.Join(", ", spread.Samples)}");
        }

        foreach (var (s, e) in simulated.Zip(emulated))
        {
            // Sizes are exact in both; only the guest's few writes during the runs may differ.
            Assert.InRange((double)s.BytesSent / e.BytesSent, 0.99, 1.01);
        }
    }
}
