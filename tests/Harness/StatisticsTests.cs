using Mecom.Harness.Measure;

namespace Mecom.Tests.Harness;

public class StatisticsTests
{
    [Fact]
    public void Median_of_known_samples()
    {
        Assert.Equal(3, Statistics.Median([5, 1, 3]));
        Assert.Equal(2.5, Statistics.Median([4, 1, 3, 2]));
        Assert.True(double.IsNaN(Statistics.Median([])));
    }

    [Fact]
    public void Paired_ratios_cancel_drift_between_passes()
    {
        // The machine halves its speed in the middle passes; per-pass ratios stay exactly 2.
        double[] fast = [200, 100, 100, 200, 200];
        double[] slow = [100, 50, 50, 100, 100];
        Assert.Equal(2, Statistics.MedianRatio(fast, slow));
    }

    [Fact]
    public void Harrell_Davis_median_of_a_symmetric_sample_is_its_centre_and_the_interval_holds_it()
    {
        SpeedSummary s = Statistics.Summarize([90, 95, 100, 105, 110, 100, 100]);
        Assert.Equal(100, s.Median, 6);
        Assert.True(s.CiLow < 100 && s.CiHigh > 100, $"[{s.CiLow}, {s.CiHigh}]");
        Assert.True(s.CiLow >= 90 - 1e-9 && s.CiHigh <= 110 + 1e-9, "the interval of a median stays inside the data here");
        Assert.Equal(7, s.Samples.Count);
    }

    [Fact]
    public void A_wider_spread_gives_a_wider_interval()
    {
        SpeedSummary tight = Statistics.Summarize([99, 100, 101, 100, 99, 101, 100, 100]);
        SpeedSummary wide = Statistics.Summarize([60, 100, 140, 100, 70, 130, 100, 100]);
        Assert.True(wide.CiHigh - wide.CiLow > 5 * (tight.CiHigh - tight.CiLow));
    }

    [Fact]
    public void One_sample_has_a_zero_width_interval_and_none_is_not_a_number()
    {
        SpeedSummary one = Statistics.Summarize([42]);
        Assert.Equal((42.0, 42.0, 42.0), (one.Median, one.CiLow, one.CiHigh));
        Assert.True(double.IsNaN(Statistics.Summarize([]).Median));
    }
}
