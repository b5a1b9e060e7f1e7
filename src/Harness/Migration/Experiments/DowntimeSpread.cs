using Mecom.Harness.Measure;

namespace Mecom.Harness.Migration.Experiments;

/// <summary>
/// The downtimes of one grid point: the emulated ones (their range, and the 99% confidence interval of
/// their median: Harrell-Davis, Maritz-Jarrett; Perfolizer) and the simulated one priced just before each.
/// </summary>
/// <remarks>
/// Each pair shares the minute it ran in, and this machine's speed wanders from one minute to the next,
/// so the deviation is taken pair by pair (simulated / emulated - 1) and summarised like a codec's speed
/// ratio over passes: its median with a 99% interval. The interval, not the median alone, says whether
/// the simulator is within a band: inside it, outside it, or not yet told apart by this many runs.
/// </remarks>
public sealed record DowntimeSpread(double[] Samples, double[] Simulated)
{
    public double Low => Samples.Length == 0 ? double.NaN : Samples.Min();

    public double High => Samples.Length == 0 ? double.NaN : Samples.Max();

    public SpeedSummary Median { get; } = Statistics.Summarize(Samples);

    /// <summary>Pair by pair, simulated / emulated - 1 (pairs whose emulated downtime is 0 left out).</summary>
    public SpeedSummary Deviation { get; } = PairedPoint.Deviations(Samples, Simulated);

    /// <summary>
    /// The emulator against itself: the median downtime of its even repeats over that of its odd ones, - 1
    /// (NaN under two runs). The halves interleave in time, so both saw the same minutes; how far they land
    /// apart is how far a second validation's emulated median could land from this one's, the floor under
    /// any band the simulator can be shown to keep.
    /// </summary>
    public double Halves { get; } = Samples.Length < 2 ? double.NaN
        : Statistics.Median(Samples.Where((_, k) => k % 2 == 0).ToArray()) / Statistics.Median(Samples.Where((_, k) => k % 2 == 1).ToArray()) - 1;

    /// <summary>Whether the paired deviation's interval lies within ±<paramref name="band"/>, outside it, or across its edge.</summary>
    public Agreement Judge(double band)
    {
        SpeedSummary d = Deviation;
        if (double.IsNaN(d.Median) || d.Samples.Count < 2)
        {
            return Agreement.NoInterval;
        }

        if (d.CiLow >= -band && d.CiHigh <= band)
        {
            return Agreement.Within;
        }

        return d.CiLow > band || d.CiHigh < -band ? Agreement.Outside : Agreement.Undecided;
    }

    /// <summary><see cref="Judge"/> in words.</summary>
    public string Verdict(double band) => Judge(band) switch
    {
        Agreement.Within => $"within {band:0%}",
        Agreement.Outside => $"outside {band:0%}",
        Agreement.Undecided => "undecided",
        _ => "one run: no interval",
    };
}
