
namespace Mecom.Tests.Migration;

/// <summary>What users type for links, strategies and settings: accepted forms and clear refusals.</summary>
public class ParsingTests
{
    [Theory]
    [InlineData("100mbit", 100e6)]
    [InlineData("1gbit", 1e9)]
    [InlineData("10Gbit", 10e9)]
    [InlineData("2.5gbit", 2.5e9)]
    [InlineData("125MB/s", 1e9)]
    [InlineData("1 GiB/s", 8.0 * 1024 * 1024 * 1024)]
    [InlineData("500kbit", 500e3)]
    public void Bandwidths_parse_to_bits_per_second(string text, double bps) => Assert.Equal(bps, Bandwidth.Parse(text), 6);

    [Theory]
    [InlineData("fast")]
    [InlineData("100")]
    [InlineData("-1gbit")]
    [InlineData("1 furlong/s")]
    [InlineData("0mbit")]
    [InlineData("5tbit")]
    public void Bad_bandwidths_say_which_forms_are_accepted(string text)
    {
        var e = Assert.Throws<ArgumentException>(() => Bandwidth.Parse(text));
        Assert.Contains(text.Trim(), e.Message);
        Assert.True(e.Message.Contains("mbit", StringComparison.Ordinal) || e.Message.Contains("outside", StringComparison.Ordinal), e.Message);
    }

    [Fact]
    public void Bandwidth_lists_keep_order_and_labels_round_trip()
    {
        var list = Bandwidth.ParseList("100mbit, 1gbit,10gbit");
        Assert.Equal([100e6, 1e9, 10e9], list);
        Assert.Equal(["100mbit", "1gbit", "10gbit"], list.Select(Bandwidth.Format));
    }

    [Theory]
    [InlineData("raw", "raw", false, false)]
    [InlineData("zero", "zero", false, false)]
    [InlineData("zstd:1", "zstd:1", false, false)]
    [InlineData("mecom", "mecom", false, false)]
    [InlineData("MECOM+delta", "mecom+delta", true, false)]
    [InlineData("mecom:4", "mecom:4", false, false)]
    [InlineData("adaptive", "adaptive", false, true)]
    public void Strategies_parse(string text, string name, bool delta, bool adaptive)
    {
        Strategy s = Strategy.Parse(text);
        Assert.Equal(name, s.Name);
        Assert.Equal(delta, s.Delta);
        Assert.Equal(adaptive, s.Adaptive);
        Assert.NotEmpty(s.Codecs);
    }

    [Fact]
    public void All_is_the_documented_grid_and_unknown_names_list_the_strategies()
    {
        Assert.Equal(["raw", "zero", "lz4", "zstd:1", "mecom", "mecom+delta", "adaptive"], Strategy.ParseList("all").Select(s => s.Name));
        var e = Assert.Throws<ArgumentException>(() => Strategy.ParseList("mecom,turbo"));
        Assert.Contains("turbo", e.Message);
        Assert.Contains("mecom+delta", e.Message);
    }

    [Fact]
    public void Settings_out_of_range_are_refused_with_the_option_name()
    {
        var ok = new MigrationSettings { Strategy = Strategy.Parse("raw") };
        ok.Validate();
        Assert.Contains("--batch", Assert.Throws<ArgumentException>(() => (ok with { BatchPages = 0 }).Validate()).Message);
        Assert.Contains("--time-scale", Assert.Throws<ArgumentException>(() => (ok with { TimeScale = 0 }).Validate()).Message);
        Assert.Contains("--cache-percent", Assert.Throws<ArgumentException>(() => (ok with { DeltaCachePercent = 150 }).Validate()).Message);
        Assert.Contains("--latency", Assert.Throws<ArgumentException>(() => (ok with { LatencyMs = -1 }).Validate()).Message);
        Assert.Contains("outside 0..1000", Assert.Throws<ArgumentException>(() => (ok with { LatencyMs = 1500 }).Validate()).Message);
    }
}
