using Perfolizer.Mathematics.QuantileEstimators;
using Pragmastat;

namespace Mecom.Harness.Measure;

/// <summary>The median of per-pass samples and its confidence interval.</summary>
/// <param name="Median">Harrell-Davis estimate of the median.</param>
/// <param name="CiLow">Lower end of the confidence interval of the median.</param>
/// <param name="CiHigh">Upper end.</param>
public sealed record SpeedSummary(double Median, double CiLow, double CiHigh)
{
    public IReadOnlyList<double> Samples { get; init; } = [];
}

/// <summary>Summaries of per-pass samples (Perfolizer).</summary>
public static class Statistics
{
    public const double ConfidenceLevel = 0.99;

    private static readonly HarrellDavisQuantileEstimator Estimator = new();

    /// <summary>
    /// Harrell-Davis median with its 99% confidence interval (Maritz-Jarrett standard error). One sample
    /// gives a zero-width interval: there is nothing to estimate a spread from.
    /// </summary>
    public static SpeedSummary Summarize(IReadOnlyList<double> samples)
    {
        if (samples.Count == 0)
        {
            return new SpeedSummary(double.NaN, double.NaN, double.NaN);
        }

        if (samples.Count == 1)
        {
            return new SpeedSummary(samples[0], samples[0], samples[0]) { Samples = samples.ToArray() };
        }

        var sample = new Sample(samples.ToArray());
        var interval = Estimator.QuantileConfidenceIntervalEstimator(sample, 0.5).ConfidenceInterval(ConfidenceLevel);
        return new SpeedSummary(interval.Estimation, interval.Lower, interval.Upper) { Samples = samples.ToArray() };
    }

    /// <summary>Plain sample median (middle value, or the mean of the two middle values).</summary>
    public static double Median(IReadOnlyList<double> samples)
    {
        if (samples.Count == 0)
        {
            return double.NaN;
        }

        double[] sorted = samples.Order().ToArray();
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /// <summary>
    /// Median of the per-pass ratios a[i]/b[i]. Codecs take turns inside each pass, so pairing by pass
    /// cancels the machine's drift between passes.
    /// </summary>
    public static double MedianRatio(IReadOnlyList<double> a, IReadOnlyList<double> b) =>
        Median(a.Zip(b, (x, y) => x / y).ToArray());
}
