
namespace Mecom.Tests.Migration;

/// <summary>The adaptive selector's cost model on stated prices: what it picks, and why.</summary>
public class SelectorTests
{
    // Per page: lz4 5 us to compress, 1.5 us to decompress, 1000 B; zstd 12 us, 5 us, 700 B. At 1 Gbit/s
    // the wire takes about 8.1 us for lz4's page and 5.7 us for zstd's.
    private static AdaptiveSelector Make(int? sharedCores) =>
        new(["lz4", "zstd:1"], [5000, 12000], [1500, 5000], [1000, 700], bandwidthBps: 1e9, workers: 2, sharedCores);

    [Fact]
    public void With_a_machine_per_side_the_smaller_codec_wins_when_each_side_keeps_up()
    {
        AdaptiveSelector s = Make(sharedCores: null);
        Assert.Equal(6000, s.CostNs(1), 6); // zstd's compress on 2 workers is its slowest stage
        Assert.Equal((1000 + Mecom.Codecs.Framing.BatchFrame.RecordHeaderBytes) * 8.0, s.CostNs(0), 6);
        Assert.Equal("zstd:1", s.Names[s.Choose()]);
    }

    [Fact]
    public void On_shared_cores_both_sides_work_counts_against_them()
    {
        AdaptiveSelector s = Make(sharedCores: 2);
        Assert.Equal((12000 + 5000) / 2.0, s.CostNs(1), 6); // 8.5 us: zstd no longer fits behind the wire
        Assert.Equal((1000 + Mecom.Codecs.Framing.BatchFrame.RecordHeaderBytes) * 8.0, s.CostNs(0), 6);
        Assert.Equal("lz4", s.Names[s.Choose()]);
        Assert.Equal([1L, 0L], s.Chosen);
    }

    [Fact]
    public void Zero_shared_cores_is_refused()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Make(sharedCores: 0));
        Assert.Contains("at least one shared core", e.Message);
    }
}
