using Mecom.Codecs;
using Mecom.Codecs.Framing;
using Mecom.Tests.Support;

namespace Mecom.Tests.Migration;

/// <summary>The keys pages count under: the harness names a codec's record classes, the same in both engines.</summary>
[Collection(TimingSensitive.Name)]
public class PageCounterTests
{
    [Theory]
    [InlineData("zero")]
    [InlineData("lz4")]
    [InlineData("mecom")]
    [InlineData("mecom+delta")]
    [InlineData("mecom+zstd-dict:3")]
    public void The_simulator_and_the_emulator_count_the_same_pages_under_the_same_keys(string strategy)
    {
        // A guest that writes nothing before the migration is over: both engines send every page once, as it is.
        byte[] image = Corpora.SmallGuest;
        var guest = new GuestSpec("still", image, 4096, () => new SimulationTests.SequentialWriter(image, 4096, 0.01));
        var settings = new MigrationSettings { Strategy = Strategy.Parse(strategy), BandwidthBps = 2e9, Workers = 2, BatchPages = 64 };
        using GuestWorkload workload = guest.MakeWorkload();
        CostTable costs = CostTable.Measure(workload, 4096, settings.Strategy.Codecs.Select(c => c.ToString()), timed: false, image: image);
        MigrationRun simulated = SimulatedMigration.Run(guest, settings, costs);
        MigrationRun emulated = EmulatedMigration.RunInProcess(guest, settings);

        Assert.True(emulated.Exact);
        Assert.Equal(emulated.PageCounts.Keys, simulated.PageCounts.Keys);
        Assert.Equal(emulated.PageCounts, simulated.PageCounts);
        Assert.DoesNotContain(simulated.PageCounts.Keys, k => k.Contains('@'));
        if (strategy.StartsWith("mecom", StringComparison.Ordinal))
        {
            Assert.Contains(simulated.PageCounts.Keys, k => k.EndsWith("/zero", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void A_codec_without_classes_counts_under_its_name_and_raw_and_delta_under_theirs()
    {
        var counts = new PageCounter();
        counts.Add(new FrameStats { Pages = 6, Raw = 1, Compressed = 3, Delta = 2 }, PageCounter.KeysFor(CodecRegistry.Parse("zstd:1"), CodecRegistry.Create("zstd:1")));
        Assert.Equal(new Dictionary<string, long> { ["raw"] = 1, ["zstd:1"] = 3, ["delta"] = 2 }, counts.ByKey);
    }

    [Fact]
    public void Every_record_class_of_mecom_is_named()
    {
        var codec = (IRecordClasses)CodecRegistry.Create("mecom");
        string[] keys = PageCounter.KeysFor(CodecRegistry.Parse("mecom"), (IPageCodec)codec);
        Assert.Equal(codec.RecordClassCount, keys.Length);
        Assert.Equal(keys.Length, keys.Distinct().Count());
        Assert.Contains("mecom:0/zero", keys);
        Assert.Contains("mecom:0/general", keys);
    }
}
