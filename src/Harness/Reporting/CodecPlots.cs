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
        AtomicFile.SavePng(Pareto(result), pareto, 1800, 720);
        var (plot, width, height) = ByClass(result);
        AtomicFile.SavePng(plot, byClass, width, height);
        return [pareto, byClass];
    }

    /// <summary>Codecs no other beats on both speed and ratio (the reference rows excluded); compress speed by default.</summary>
    public static IReadOnlyList<CodecRow> ParetoFront(IEnumerable<CodecRow> rows, Func<CodecRow, SpeedSummary>? speed = null)
    {
        speed ??= r => r.CompressMBps;
        var candidates = rows.Where(r => !CalibrationCodec.IsReference(r.Codec) && !double.IsNaN(speed(r).Median)).ToArray();
        return candidates
            .Where(r => !candidates.Any(o => o != r
                && speed(o).Median >= speed(r).Median && o.Ratio >= r.Ratio
                && (speed(o).Median > speed(r).Median || o.Ratio > r.Ratio)))
            .OrderBy(r => speed(r).Median)
            .ToArray();
    }

    /// <summary>Ratio against compress speed and against decompress speed, side by side.</summary>
    private static Multiplot Pareto(ComparisonResult result)
    {
        var multiplot = new Multiplot();
        multiplot.AddPlots(2);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Columns();
        MachineInfo machine = result.Made?.Machine ?? result.Machine;
        string subtitle = $"{result.Corpus.Sum(c => c.Pages):N0} pages of {result.Settings.PageSize} B; {machine.Cpu}, Vector{machine.VectorWidth}; "
            + $"{result.Settings.Passes} passes, medians with 99% intervals";
        Pareto(multiplot.GetPlot(0), result, r => r.CompressMBps, "compress", $"Ratio against compress speed\n{subtitle}");
        Pareto(multiplot.GetPlot(1), result, r => r.DecompressMBps, "decompress", "Ratio against decompress speed");
        return multiplot;
    }

    private static void Pareto(Plot plot, ComparisonResult result, Func<CodecRow, SpeedSummary> speed, string what, string title)
    {
        var rows = result.Results.Where(r => !CalibrationCodec.IsReference(r.Codec) && speed(r).Median > 0).ToArray();
        if (rows.Length == 0)
        {
            plot.Title(title);
            return;
        }

        var front = ParetoFront(rows, speed);

        // Log scale by hand: positions are log10(MB/s), ticks are labelled in MB/s.
        static double X(double mbps) => Math.Log10(Math.Max(1e-3, mbps));

        // Each codec's 99% interval of its speed, so a reader sees which gaps are real.
        foreach (CodecRow r in rows)
        {
            var interval = plot.Add.Line(X(speed(r).CiLow), r.Ratio, X(speed(r).CiHigh), r.Ratio);
            interval.Color = Colors.Gray.WithAlpha(0.7);
            interval.LineWidth = 2;
        }

        var others = rows.Except(front).ToArray();
        if (others.Length > 0)
        {
            var dots = plot.Add.ScatterPoints(others.Select(r => X(speed(r).Median)).ToArray(), others.Select(r => r.Ratio).ToArray());
            dots.MarkerSize = 9;
            dots.Color = Colors.Gray;
            dots.LegendText = "dominated";
        }

        var line = plot.Add.Scatter(front.Select(r => X(speed(r).Median)).ToArray(), front.Select(r => r.Ratio).ToArray());
        line.MarkerSize = 12;
        line.LineWidth = 2;
        line.Color = Colors.OrangeRed;
        line.LegendText = "Pareto front (no codec both faster and smaller)";

        // The selectors are what the suite is about: named in bold blue; neighbours (a managed port and its
        // C original) sit on top of each other, so labels alternate above and below.
        var byPosition = rows.OrderBy(r => r.Ratio).ThenBy(r => speed(r).Median).ToArray();
        for (int i = 0; i < byPosition.Length; i++)
        {
            CodecRow r = byPosition[i];
            var label = plot.Add.Text(r.Codec, X(speed(r).Median), r.Ratio);
            label.LabelFontSize = 13;
            label.OffsetX = 6;
            label.OffsetY = i % 2 == 0 ? -8 : 10;
            if (r.Codec.StartsWith("mecom", StringComparison.Ordinal))
            {
                label.LabelFontColor = Colors.Blue;
                label.LabelBold = true;
            }
        }

        // The axis spans the data (intervals included), not whole decades.
        double lo = rows.Min(r => X(Math.Min(speed(r).Median, speed(r).CiLow > 0 ? speed(r).CiLow : speed(r).Median)));
        double hi = rows.Max(r => X(Math.Max(speed(r).Median, speed(r).CiHigh)));
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        for (double e = Math.Floor(lo); e <= Math.Ceiling(hi); e++)
        {
            foreach (double m in new[] { 1.0, 2.0, 5.0 })
            {
                double v = m * Math.Pow(10, e);
                if (Math.Log10(v) >= lo - 0.1 && Math.Log10(v) <= hi + 0.1)
                {
                    ticks.AddMajor(Math.Log10(v), v.ToString("0", System.Globalization.CultureInfo.InvariantCulture));
                }
            }
        }

        double span = Math.Max(0.2, hi - lo);
        plot.Axes.Bottom.TickGenerator = ticks;
        plot.Axes.SetLimitsX(lo - 0.05 * span, hi + 0.18 * span);
        plot.XLabel($"{what} MB/s (log scale, median and 99% interval)");
        plot.YLabel("compression ratio (input / output)");
        plot.Title(title);
        plot.ShowLegend(Alignment.UpperRight);
    }

    /// <summary>
    /// Per page class, each on its own scale: ratio (top) and compress speed (bottom) of every codec. Zero
    /// pages compress hundreds of times, so one shared axis would squeeze the classes that matter.
    /// </summary>
    private static (Multiplot Plot, int Width, int Height) ByClass(ComparisonResult result)
    {
        var rows = result.Results.Where(r => !CalibrationCodec.IsReference(r.Codec)).ToArray();
        string[] classes = rows.SelectMany(r => r.ByClass?.Keys ?? []).Distinct().ToArray();
        var multiplot = new Multiplot();
        int columns = Math.Max(1, classes.Length);
        multiplot.AddPlots(2 * columns);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Grid(2, columns);
        var palette = new ScottPlot.Palettes.Category10();
        for (int k = 0; k < classes.Length; k++)
        {
            long pages = rows.Select(r => r.ByClass?.GetValueOrDefault(classes[k])?.Pages ?? 0).DefaultIfEmpty(0).Max();
            Bars(multiplot.GetPlot(k), rows, r => r.ByClass?.GetValueOrDefault(classes[k])?.Ratio, palette, $"{classes[k]} ({pages:N0} pages): ratio");
            Bars(multiplot.GetPlot(columns + k), rows, r => r.ByClass?.GetValueOrDefault(classes[k])?.CompressMBps.Median, palette, $"{classes[k]}: compress MB/s");
        }

        return (multiplot, Math.Max(900, 420 * columns), 30 * rows.Length * 2 + 260);
    }

    private static void Bars(Plot plot, CodecRow[] rows, Func<CodecRow, double?> value, IPalette palette, string title)
    {
        var bars = new List<Bar>();
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        for (int c = 0; c < rows.Length; c++)
        {
            // Top to bottom in the table's order.
            double position = rows.Length - 1 - c;
            ticks.AddMajor(position, rows[c].Codec);
            if (value(rows[c]) is { } v && !double.IsNaN(v))
            {
                bars.Add(new Bar { Position = position, Value = v, Size = 0.8, FillColor = palette.GetColor(c) });
            }
        }

        var plotted = plot.Add.Bars(bars);
        plotted.Horizontal = true;
        plot.Axes.Left.TickGenerator = ticks;
        plot.Axes.Margins(left: 0);
        plot.Title(title);
    }
}
