namespace Mecom.Harness.Measure;

/// <summary>
/// One codec against a baseline measured in the same run: the ratio of their ratios, and the per-pass
/// ratios of their speeds summarised like any speed (median with its 99% interval).
/// </summary>
/// <param name="Codec">The codec.</param>
/// <param name="Baseline">What it is compared with.</param>
/// <param name="RatioX">Its compression ratio over the baseline's (sizes do not vary between passes).</param>
/// <param name="CompressX">Its compress speed over the baseline's, pass by pass.</param>
/// <param name="DecompressX">Its decompress speed over the baseline's, pass by pass.</param>
public sealed record PairedRow(string Codec, string Baseline, double RatioX, SpeedSummary CompressX, SpeedSummary DecompressX);

/// <summary>
/// Side-by-side ratios, the form speed goals are stated in ("1.3x LZ4's speed at LZ4's ratio"). Codecs
/// take turns inside every pass, so dividing speeds pass by pass cancels most of a busy machine's drift,
/// which the separate intervals of the two codecs cannot.
/// </summary>
public static class PairedComparison
{
    public static IReadOnlyList<PairedRow> Against(ComparisonResult result, string baseline)
    {
        CodecRow b = result.Results.FirstOrDefault(r => r.Codec == baseline)
            ?? throw new ArgumentException($"the baseline '{baseline}' was not measured; measured: {string.Join(", ", result.Results.Select(r => r.Codec))}");
        return result.Results
            .Where(r => r.Codec != baseline)
            .Select(r => new PairedRow(r.Codec, baseline, r.Ratio / b.Ratio,
                Statistics.Summarize(PerPass(r.CompressMBps, b.CompressMBps)),
                Statistics.Summarize(PerPass(r.DecompressMBps, b.DecompressMBps))))
            .ToArray();
    }

    private static double[] PerPass(SpeedSummary codec, SpeedSummary baseline) =>
        codec.Samples.Zip(baseline.Samples, (x, y) => x / y).ToArray();
}
