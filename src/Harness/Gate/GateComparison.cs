using Mecom.Harness.Measure;
using Perfolizer.Mathematics.Common;
using ComparisonResult = Mecom.Harness.Measure.ComparisonResult;
using TestResult = Perfolizer.Mathematics.Common.ComparisonResult;
using Perfolizer.Mathematics.SignificanceTesting;
using Perfolizer.Mathematics.SignificanceTesting.MannWhitney;
using Perfolizer.Metrology;
using Pragmastat;

namespace Mecom.Harness.Gate;

public enum Verdict
{
    Improved,
    Same,
    Regressed,
}

/// <summary>One compared quantity of one codec.</summary>
/// <param name="Metric">"size", "compress" or "decompress".</param>
/// <param name="Ratio">Current over baseline (median of ratios for speeds; bytes out for size, lower is better).</param>
public sealed record GateRow(string Codec, string Metric, double Baseline, double Current, double Ratio, double RatioLow, double RatioHigh, Verdict Verdict);

public sealed record GateReport(IReadOnlyList<GateRow> Rows, IReadOnlyList<string> Warnings, bool Normalized)
{
    /// <summary>The reference rows' compress speed, current over baseline (median): how the machine itself moved.</summary>
    public IReadOnlyDictionary<string, double> References { get; init; } = new Dictionary<string, double>();

    public bool Regressed => Rows.Any(r => r.Verdict == Verdict.Regressed);
}

/// <summary>
/// Compares a current measurement with a baseline. Sizes are deterministic for a given corpus and codec,
/// so any growth in bytes is a regression. Speeds are compared pass samples against pass samples with
/// Perfolizer's equivalence test (two one-sided Mann-Whitney tests) at the threshold, so noise within the
/// threshold is "same" and only a significant shift beyond it counts. When the baseline comes from another
/// CPU or vector width, speeds are taken relative to the memcpy row measured in the same pass, which is
/// what makes such a baseline usable at all (with a warning). On the same machine a change must show in raw
/// MB/s, relative to memcpy and relative to the calibration row (a fixed scalar compute loop) alike, which
/// keeps a slow spell of the memory or of the cores from failing the gate: a real regression of one codec
/// shows in all three views, a machine-wide slowdown moves a reference row with it.
/// </summary>
public static class GateComparison
{
    /// <summary>A <c>--threshold</c> as Perfolizer reads it; refused in one line, so it can be checked before measuring.</summary>
    public static Threshold ParseThreshold(string threshold) => Threshold.TryParse(threshold, out Threshold parsed)
        ? parsed : throw new ArgumentException($"--threshold '{threshold}' is not a threshold (examples: 5%, 10%)");

    public static GateReport Compare(ComparisonResult baseline, ComparisonResult current, string threshold)
    {
        Threshold parsed = ParseThreshold(threshold);

        var warnings = new List<string>();
        bool otherMachine = baseline.Machine.Cpu != current.Machine.Cpu || baseline.Machine.VectorWidth != current.Machine.VectorWidth;
        if (otherMachine)
        {
            warnings.Add($"the baseline comes from another machine ({baseline.Machine.Cpu}, vector width {baseline.Machine.VectorWidth}) "
                + $"than this run ({current.Machine.Cpu}, vector width {current.Machine.VectorWidth}): speeds are compared as ratios to memcpy");
        }

        if (baseline.Settings.PageSize != current.Settings.PageSize
            || !baseline.Corpus.Select(c => (c.Name, c.Pages)).SequenceEqual(current.Corpus.Select(c => (c.Name, c.Pages))))
        {
            throw new ArgumentException("the baseline was measured on other pages (corpus or page size differ): sizes and speeds cannot be compared");
        }

        CodecRow? baseMemcpy = baseline.Results.FirstOrDefault(r => r.Codec == MemcpyCodec.CodecName);
        CodecRow? currentMemcpy = current.Results.FirstOrDefault(r => r.Codec == MemcpyCodec.CodecName);
        // Across machines only ratios to memcpy mean anything. On one machine both views are taken and a
        // speed change must show in both: a slow spell of the whole machine moves raw MB/s but not the ratio
        // to memcpy, and memcpy's own noise moves the ratio but not raw MB/s.
        bool haveMemcpy = baseMemcpy is not null && currentMemcpy is not null;
        bool normalized = otherMachine && haveMemcpy;
        if (otherMachine && !haveMemcpy)
        {
            warnings.Add("no memcpy row in both runs: speeds are compared in raw MB/s across machines, which says little");
        }

        var rows = new List<GateRow>();
        var test = new SimpleEquivalenceTest(MannWhitneyTest.Instance);
        CodecRow? baseCalibration = baseline.Results.FirstOrDefault(r => r.Codec == CalibrationCodec.CodecName);
        CodecRow? currentCalibration = current.Results.FirstOrDefault(r => r.Codec == CalibrationCodec.CodecName);
        bool haveCalibration = baseCalibration is not null && currentCalibration is not null;
        foreach (CodecRow b in baseline.Results.Where(r => !CalibrationCodec.IsReference(r.Codec)))
        {
            CodecRow? c = current.Results.FirstOrDefault(r => r.Codec == b.Codec);
            if (c is null)
            {
                throw new ArgumentException($"codec '{b.Codec}' is in the baseline but not in the current run");
            }

            double sizeRatio = (double)c.BytesOut / b.BytesOut;
            rows.Add(new GateRow(b.Codec, "size", b.BytesOut, c.BytesOut, sizeRatio, sizeRatio, sizeRatio,
                c.BytesOut > b.BytesOut ? Verdict.Regressed : c.BytesOut < b.BytesOut ? Verdict.Improved : Verdict.Same));
            foreach ((string metric, Func<CodecRow, SpeedSummary> speed) in new (string, Func<CodecRow, SpeedSummary>)[]
                     { ("compress", r => r.CompressMBps), ("decompress", r => r.DecompressMBps) })
            {
                IReadOnlyList<double>? baseRef = baseMemcpy is null ? null : speed(baseMemcpy).Samples;
                IReadOnlyList<double>? currentRef = currentMemcpy is null ? null : speed(currentMemcpy).Samples;
                GateRow relative = Speed(b.Codec, metric, speed(b).Samples, speed(c).Samples, baseRef, currentRef, parsed, test);
                if (otherMachine || !haveMemcpy)
                {
                    rows.Add(haveMemcpy ? relative : Speed(b.Codec, metric, speed(b).Samples, speed(c).Samples, null, null, parsed, test));
                    continue;
                }

                GateRow raw = Speed(b.Codec, metric, speed(b).Samples, speed(c).Samples, null, null, parsed, test);
                Verdict agreed = raw.Verdict == relative.Verdict ? raw.Verdict : Verdict.Same;
                if (haveCalibration && agreed != Verdict.Same)
                {
                    // A slow spell that slows the cores slows the calibration row in the same passes.
                    GateRow compute = Speed(b.Codec, metric, speed(b).Samples, speed(c).Samples, speed(baseCalibration!).Samples, speed(currentCalibration!).Samples, parsed, test);
                    agreed = compute.Verdict == agreed ? agreed : Verdict.Same;
                }

                rows.Add(raw with { Verdict = agreed });
            }
        }

        var references = new Dictionary<string, double>();
        foreach (CodecRow b in baseline.Results.Where(r => CalibrationCodec.IsReference(r.Codec)))
        {
            if (current.Results.FirstOrDefault(r => r.Codec == b.Codec) is { } c && b.CompressMBps.Median > 0)
            {
                references[b.Codec] = c.CompressMBps.Median / b.CompressMBps.Median;
            }
        }

        return new GateReport(rows, warnings, normalized) { References = references };
    }

    private static GateRow Speed(string codec, string metric, IReadOnlyList<double> baseline, IReadOnlyList<double> current,
        IReadOnlyList<double>? baseMemcpy, IReadOnlyList<double>? currentMemcpy, Threshold threshold, SimpleEquivalenceTest test)
    {
        double[] b = Relative(baseline, baseMemcpy);
        double[] c = Relative(current, currentMemcpy);
        if (b.Length < 3 || c.Length < 3)
        {
            throw new ArgumentException($"{codec} {metric}: at least 3 passes are needed on each side to compare speeds (have {b.Length} and {c.Length})");
        }

        // x = current, y = baseline: Greater means the current build is faster.
        TestResult verdict = test.Perform(new Sample(c), new Sample(b), threshold, SignificanceLevel.P001);
        double[] ratios = c.SelectMany(x => b.Select(y => x / y)).Order().ToArray();
        SpeedSummary summary = Statistics.Summarize(ratios);
        return new GateRow(codec, metric, Statistics.Median(baseline), Statistics.Median(current),
            Statistics.Median(ratios), summary.CiLow, summary.CiHigh,
            verdict switch
            {
                TestResult.Greater => Verdict.Improved,
                TestResult.Lesser => Verdict.Regressed,
                _ => Verdict.Same,
            });
    }

    private static double[] Relative(IReadOnlyList<double> samples, IReadOnlyList<double>? memcpy) =>
        memcpy is null || memcpy.Count != samples.Count
            ? samples.ToArray()
            : samples.Zip(memcpy, (s, m) => s / m).ToArray();
}
