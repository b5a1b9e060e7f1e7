using Mecom.Harness.Measure;
using ScottPlot;

namespace Mecom.Harness.Reporting;

/// <summary>The pictures users would rather look at than read: speed against ratio, and ratio per class.</summary>
public static class CodecPlots
{
    /// <summary>Writes <c>codecs-pareto.png</c> and <c>codecs-by-class.png</c>; returns their paths.</summary>
    public static IReadOnlyList<string> Write(ComparisonResult result, string folder)
    {
        Directory.CreateDirectory(folder);
        string pareto = Path.Combine(folder, "codecs-pareto.png");
        string byClass = Path.Combine(folder, "codecs-by-class.png");
        AtomicFile.SavePng(Pareto(result), pareto, 1100, 700);
        AtomicFile.SavePng(ByClass(result), byClass, 1200, 650);
        return [pareto, byClass];
    }

    /// <summary>Codecs no other beats on both compress speed and ratio (the memcpy row excluded).</summary>
    public static IReadOnlyList<CodecRow> ParetoFront(IEnumerable<CodecRow> rows)
    {
        var candidates = rows.Where(r => !CalibrationCodec.IsReference(r.Codec) && !double.IsNaN(r.CompressMBps.Median)).ToArray();
        return candidates
            .Where(r => !candidates.Any(o => o != r
                && o.CompressMBps.Median >= r.CompressMBps.Median && o.Ratio >= r.Ratio
                && (o.CompressMBps.Median > r.CompressMBps.Median || o.Ratio > r.Ratio)))
            .OrderBy(r => r.CompressMBps.Median)
            .ToArray();
    }

    private static Plot Pareto(ComparisonResult result)
    {
        var plot = new Plot();
        var rows = result.Results.Where(r => !CalibrationCodec.IsReference(r.Codec) && r.CompressMBps.Median > 0).ToArray();
        var front = ParetoFront(rows);

        // Log scale by hand: positions are log10(MB/s), ticks are labelled in MB/s.
        var others = rows.Except(front).ToArray();
        if (others.Length > 0)
        {
            var dots = plot.Add.ScatterPoints(others.Select(r => Math.Log10(r.CompressMBps.Median)).ToArray(), others.Select(r => r.Ratio).ToArray());
            dots.MarkerSize = 9;
            dots.Color = Colors.Gray;
            dots.LegendText = "dominated";
        }

        var line = plot.Add.Scatter(front.Select(r => Math.Log10(r.CompressMBps.Median)).ToArray(), front.Select(r => r.Ratio).ToArray());
        line.MarkerSize = 12;
        line.LineWidth = 2;
        line.Color = Colors.OrangeRed;
        line.LegendText = "Pareto front (no codec both faster and smaller)";

        // Neighbours (a managed port and its C original) sit on top of each other: alternate above/below.
        var byPosition = rows.OrderBy(r => r.Ratio).ThenBy(r => r.CompressMBps.Median).ToArray();
        for (int i = 0; i < byPosition.Length; i++)
        {
            CodecRow r = byPosition[i];
            var label = plot.Add.Text(r.Codec, Math.Log10(r.CompressMBps.Median), r.Ratio);
            label.LabelFontSize = 13;
            label.OffsetX = 6;
            label.OffsetY = i % 2 == 0 ? -8 : 10;
        }

        var ticks = new ScottPlot.TickGenerators.NumericManual();
        double lo = Math.Floor(rows.Min(r => Math.Log10(r.CompressMBps.Median)));
        double hi = Math.Ceiling(rows.Max(r => Math.Log10(r.CompressMBps.Median)));
        for (double e = lo; e <= hi; e++)
        {
            foreach (double m in new[] { 1.0, 2.0, 5.0 })
            {
                double v = m * Math.Pow(10, e);
                ticks.AddMajor(Math.Log10(v), v.ToString("0", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        plot.Axes.Bottom.TickGenerator = ticks;
        plot.Axes.SetLimitsX(lo - 0.05, hi + 0.15);
        plot.XLabel("compress MB/s (log scale, median)");
        plot.YLabel("compression ratio (input / output)");
        plot.Title($"Codecs on {result.Corpus.Sum(c => c.Pages):N0} pages of {result.Settings.PageSize} B");
        plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }

    private static Plot ByClass(ComparisonResult result)
    {
        var plot = new Plot();
        var rows = result.Results.Where(r => !CalibrationCodec.IsReference(r.Codec)).ToArray();
        string[] classes = rows.SelectMany(r => r.ByClass?.Keys ?? []).Distinct().ToArray();
        var palette = new ScottPlot.Palettes.Category10();
        var bars = new List<Bar>();
        double width = 0.8 / Math.Max(1, rows.Length);
        for (int c = 0; c < rows.Length; c++)
        {
            for (int k = 0; k < classes.Length; k++)
            {
                if (rows[c].ByClass?.GetValueOrDefault(classes[k]) is { } cell)
                {
                    // Ratios of zero pages run to the hundreds: a log axis keeps every class readable.
                    bars.Add(new Bar
                    {
                        Position = k + (c - (rows.Length - 1) / 2.0) * width,
                        Value = Math.Log10(Math.Max(1, cell.Ratio)),
                        Size = width * 0.9,
                        FillColor = palette.GetColor(c),
                    });
                }
            }

            plot.Legend.ManualItems.Add(new LegendItem { LabelText = rows[c].Codec, FillColor = palette.GetColor(c) });
        }

        plot.Add.Bars(bars);
        var xticks = new ScottPlot.TickGenerators.NumericManual();
        for (int k = 0; k < classes.Length; k++)
        {
            long pages = rows.FirstOrDefault()?.ByClass?.GetValueOrDefault(classes[k])?.Pages ?? 0;
            xticks.AddMajor(k, $"{classes[k]} ({pages:N0} pages)");
        }

        var yticks = new ScottPlot.TickGenerators.NumericManual();
        foreach (double v in new[] { 1.0, 2, 3, 5, 10, 20, 50, 100, 200, 500 })
        {
            yticks.AddMajor(Math.Log10(v), v.ToString("0", System.Globalization.CultureInfo.InvariantCulture));
        }

        plot.Axes.Bottom.TickGenerator = xticks;
        plot.Axes.Left.TickGenerator = yticks;
        plot.Axes.Margins(bottom: 0);
        plot.YLabel("compression ratio (log scale)");
        plot.Title("Where each codec wins: ratio per page class");
        plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }
}
