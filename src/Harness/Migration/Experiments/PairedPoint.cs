using Mecom.Harness.Measure;

namespace Mecom.Harness.Migration.Experiments;

/// <summary>One grid point's pairs: the downtimes, and the paired deviations of total time and data.</summary>
public sealed record PairedPoint(DowntimeSpread Downtime, SpeedSummary TotalTime, SpeedSummary Data)
{
    /// <summary>Pair by pair, simulated / emulated - 1, summarised (pairs whose emulated value is 0 left out).</summary>
    public static SpeedSummary Deviations(IReadOnlyList<double> emulated, IReadOnlyList<double> simulated) => Statistics.Summarize(
        emulated.Zip(simulated).Where(p => p.First > 0).Select(p => p.Second / p.First - 1).ToArray());
}
