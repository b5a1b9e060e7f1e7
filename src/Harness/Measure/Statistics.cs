namespace Mecom.Harness.Measure;

/// <summary>Summaries of per-pass samples.</summary>
public static class Statistics
{
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
