using BenchmarkDotNet.Attributes;

namespace Mecom.Bench;

/// <summary>
/// One simulated migration of a 1 GiB guest (the shipped pages tiled to 262,144) whose synthetic guest keeps
/// 30 rounds going, after the one-time cost measurement in the setup: the tuner runs hundreds of these.
/// </summary>
public class SimulatorBench
{
    private GuestSpec guest = null!;
    private CostTable costs = null!;
    private MigrationSettings settings = null!;

    [Params("mecom", "adaptive")]
    public string Strategy { get; set; } = "mecom";

    [GlobalSetup]
    public void Setup()
    {
        const int pages = 262_144;
        byte[] image = new byte[pages * 4096L];
        for (long p = 0; p < pages; p++)
        {
            BenchPages.Image.AsSpan((int)(p % BenchPages.Count) * 4096, 4096).CopyTo(image.AsSpan((int)(p * 4096), 4096));
        }

        // 200,000 pages/s into 50,000 hot pages at 1 Gbit/s outruns the link: rounds never shrink below the
        // hot set, so the 30-round cap ends it, as with a heavily dirtying guest.
        guest = new GuestSpec("tiled-1GiB", image, 4096, () => new SyntheticWorkload(image, 4096, 200_000, 50_000, 1));
        settings = new MigrationSettings
        {
            Strategy = Harness.Migration.Policy.Strategy.Parse(Strategy), BandwidthBps = 1e9, DowntimeLimitMs = 1, MaxRounds = 30,
        };
        using GuestWorkload workload = guest.MakeWorkload();
        costs = CostTable.Measure(workload, 4096, settings.Strategy.Codecs.Select(c => c.ToString()), passes: 1);
        int rounds = Simulate().Rounds;
        if (rounds < 30)
        {
            throw new InvalidOperationException($"the bench guest converged after {rounds} rounds; it should take 30");
        }
    }

    [Benchmark]
    public MigrationRun Simulate() => SimulatedMigration.Run(guest, settings, costs);
}
