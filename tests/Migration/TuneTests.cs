using Mecom.Tests.Support;

namespace Mecom.Tests.Migration;

/// <summary>The tuner's sweep, its settings file, and how migrate applies it.</summary>
[Collection(TimingSensitive.Name)]
public class TuneTests
{
    [Theory]
    [InlineData(992.0, 417.0, 1.379)]   // prices taken in a slow spell: flagged
    [InlineData(150.0, 300.0, -0.5)]    // or a fast one
    [InlineData(303.0, 325.0, null)]    // the engines' usual gap: not flagged
    [InlineData(120.0, 0.0, null)]      // no emulated time to compare with
    public void A_confirmation_far_from_the_simulation_is_flagged(double simulatedMs, double emulatedMs, double? expected)
    {
        double? off = Tuner.Disagreement(simulatedMs, emulatedMs);
        Assert.Equal(expected is null, off is null);
        if (expected is { } e)
        {
            Assert.Equal(e, off!.Value, 3);
        }
    }

    [Fact]
    public void The_sweep_picks_the_best_point_per_bandwidth_and_the_file_round_trips()
    {
        var entry = Corpora.Shipped().First(e => e.Name == "python-sqlite");
        var baseSettings = new MigrationSettings { Strategy = Strategy.Parse("raw") };
        GuestSpec guest = MigrationGrid.LoadGuest(entry, baseSettings);
        using GuestWorkload workload = guest.MakeWorkload();
        CostTable costs = CostTable.Measure(workload, 4096, ["mecom:0", "mecom:8", "raw"], passes: 1);
        int[] wkdm = [0, 8];
        double[] raw = [0.5, 1.0];
        Tuner.Outcome outcome = Tuner.Run(guest, costs, [100e6, 10e9], wkdm, raw, [32, 128], [2], TuneObjective.Data, baseSettings);

        Assert.Equal(2 * (1 + 2 * 2 * 2), outcome.Simulations);
        foreach (TunedChoice choice in outcome.Settings.PerBandwidth)
        {
            double[,] map = outcome.Heatmaps[choice.BandwidthBps];
            double best = map.Cast<double>().Min();
            Assert.Equal(best, choice.Objective);
            Assert.Equal(choice.BytesSent, choice.Objective);
            // Fewest bytes: LZ4 for every page that is not zero or same-filled, raw only when it does not shrink.
            Assert.Equal(0, choice.Point.WkdmEighths);
            Assert.Equal(1.0, choice.Point.RawAbove);
        }

        string path = Path.Combine(Directory.CreateTempSubdirectory("mecom-tune").FullName, "tuned.json");
        outcome.Settings.Write(path);
        TunedSettings read = TunedSettings.Read(path);
        Assert.Equal(outcome.Settings.PerBandwidth, read.PerBandwidth);
        Assert.Equal("data", read.Objective);
    }

    [Fact]
    public void Settings_apply_to_the_nearest_bandwidth_and_only_the_selector_gets_its_threshold()
    {
        var settings = new TunedSettings
        {
            Objective = "time", Corpus = "x",
            PerBandwidth =
            [
                new TunedChoice(100e6, new TunePoint(0, 1.0, 32, 1), 1, 1, 1, 1),
                new TunedChoice(10e9, new TunePoint(8, 0.5, 512, 2), 1, 1, 1, 1),
            ],
        };
        var run = new MigrationSettings { Strategy = Strategy.Parse("mecom+delta"), BandwidthBps = 5e9 };
        MigrationSettings applied = settings.Apply(run);
        Assert.Equal("mecom:8", applied.Strategy.Codecs[0].ToString());
        Assert.True(applied.Strategy.Delta);
        Assert.Equal("mecom+delta", applied.Strategy.Name);
        Assert.Equal((0.5, 512, 2), (applied.RawAbove, applied.BatchPages, applied.Workers));

        MigrationSettings lz4 = settings.Apply(run with { Strategy = Strategy.Parse("lz4"), BandwidthBps = 150e6 });
        Assert.Equal("lz4", lz4.Strategy.Codecs[0].ToString());
        Assert.Equal(32, lz4.BatchPages);
    }

    [Fact]
    public void A_bad_settings_file_is_a_clear_error()
    {
        string dir = Directory.CreateTempSubdirectory("mecom-tune-bad").FullName;
        string path = Path.Combine(dir, "bad.json");
        File.WriteAllText(path, "{ \"schema\": 1, \"objective\": \"time\", \"corpus\": \"x\", \"perBandwidth\": [] }");
        Assert.Contains("not usable", Assert.Throws<ArgumentException>(() => TunedSettings.Read(path)).Message);
        File.WriteAllText(path, "not json");
        Assert.Contains("not a mecom tune settings file", Assert.Throws<ArgumentException>(() => TunedSettings.Read(path)).Message);
        Assert.Contains("mecom tune --out", Assert.Throws<FileNotFoundException>(() => TunedSettings.Read(Path.Combine(dir, "missing.json"))).Message);
    }
}
