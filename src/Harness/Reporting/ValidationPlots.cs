using ScottPlot;

namespace Mecom.Harness.Reporting;

/// <summary>One grid point of a validation, as the plot shows it (deviations as fractions: 0.1 = +10%).</summary>
/// <param name="Label">Strategy and bandwidth, one above the other.</param>
/// <param name="Pairs">Each simulation against the emulation it was priced for: simulated / emulated - 1.</param>
/// <param name="Median">The median of <paramref name="Pairs"/>.</param>
/// <param name="Low">Its confidence interval's lower end.</param>
/// <param name="High">Its upper end.</param>
/// <param name="Halves">The emulator against itself: even repeats' median over odd repeats' - 1 (NaN: too few runs).</param>
/// <param name="Within">The interval lies within the band; <paramref name="Outside"/>: none of it does.</param>
public readonly record struct ValidationMark(string Label, double[] Pairs, double Median, double Low, double High, double Halves, bool Within, bool Outside);

/// <summary>
/// The validation as a picture: per point, every pair's downtime deviation, their median with its interval
/// coloured by the verdict, the emulator against itself beside it, and the band. Where the emulator's own
/// halves fall outside the band, the eye sees at once that no verdict could be had there.
/// </summary>
public static class ValidationPlots
{
    /// <summary>Deviations beyond this (as a fraction) are drawn at it: the interval of a few widely spread runs can reach far beyond any band.</summary>
    private const double Clip = 1.5;

    /// <summary>The validation's picture, <c>validate-CORPUS.png</c> (or <c>validate.png</c> for several corpora) in <paramref name="folder"/>.</summary>
    public static string Write(IReadOnlyList<MigrationRun> emulated, IReadOnlyList<PairedPoint> points, int repeats, string folder)
    {
        Directory.CreateDirectory(folder);
        string[] corpora = emulated.Select(e => e.Corpus).Distinct().ToArray();
        var marks = emulated.Select((e, i) => (e, p: points[i])).Where(x => x.e.Error is null).Select(x =>
        {
            DowntimeSpread d = x.p.Downtime;
            Agreement verdict = d.Judge(Validation.Band);
            string label = corpora.Length > 1 ? $"{x.e.Corpus}\n{x.e.Strategy}\n{x.e.Bandwidth}" : $"{x.e.Strategy}\n{x.e.Bandwidth}";
            bool interval = verdict != Agreement.NoInterval;
            return new ValidationMark(label, d.Deviation.Samples.ToArray(), d.Deviation.Median, interval ? d.Deviation.CiLow : double.NaN, interval ? d.Deviation.CiHigh : double.NaN,
                d.Halves, verdict == Agreement.Within, verdict == Agreement.Outside);
        }).ToArray();
        string name = corpora.Length == 1 ? $"validate-{MigrationPlots.Safe(corpora[0])}.png" : "validate.png";
        string title = $"{string.Join(", ", corpora)}: simulated against emulated downtime, pair by pair ({repeats} repeats)";
        return Write(marks, Validation.Band, title, Path.Combine(folder, name));
    }

    public static string Write(IReadOnlyList<ValidationMark> points, double band, string title, string path)
    {
        var plot = new Plot();
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        Color within = Colors.ForestGreen, outside = Colors.Crimson, undecided = Colors.DarkOrange;
        bool labelled = false;
        for (int i = 0; i < points.Count; i++)
        {
            ValidationMark p = points[i];
            ticks.AddMajor(i, p.Label);
            if (p.Pairs.Length > 0)
            {
                // Spread sideways a little, so equal deviations do not hide each other.
                double[] xs = p.Pairs.Select((_, k) => i - 0.15 + 0.3 * k / Math.Max(1, p.Pairs.Length - 1)).ToArray();
                var dots = plot.Add.Scatter(xs, p.Pairs.Select(Percent).ToArray());
                dots.LineWidth = 0;
                dots.MarkerSize = 5;
                dots.Color = Colors.Gray.WithAlpha(0.6);
                dots.LegendText = labelled ? "" : "each pair: simulated / emulated - 1";
            }

            Color verdict = p.Within ? within : p.Outside ? outside : undecided;
            if (!double.IsNaN(p.Low) && !double.IsNaN(p.High))
            {
                var interval = plot.Add.Line(i + 0.25, Percent(p.Low), i + 0.25, Percent(p.High));
                interval.LineWidth = 3;
                interval.Color = verdict;
            }

            if (!double.IsNaN(p.Median))
            {
                var median = plot.Add.Marker(i + 0.25, Percent(p.Median), MarkerShape.FilledCircle, 11, verdict);
                median.LegendText = labelled ? "" : "median of pairs, 99% interval (green within, red outside, orange undecided)";
            }

            if (!double.IsNaN(p.Halves))
            {
                var self = plot.Add.Marker(i - 0.3, Percent(p.Halves), MarkerShape.OpenDiamond, 11, Colors.RoyalBlue);
                self.LegendText = labelled ? "" : "emulator vs itself: even / odd repeats - 1";
            }

            labelled = true;
        }

        foreach (double edge in new[] { -band, band })
        {
            var line = plot.Add.HorizontalLine(100 * edge);
            line.LinePattern = LinePattern.Dashed;
            line.Color = Colors.Black.WithAlpha(0.5);
        }

        plot.Add.HorizontalLine(0).Color = Colors.Black.WithAlpha(0.2);
        plot.Axes.Bottom.TickGenerator = ticks;
        plot.YLabel("downtime, simulated / emulated - 1 (%)");
        plot.Title($"{title}; dashed: the ±{band:0%} band");
        plot.ShowLegend(Edge.Bottom);
        plot.SavePng(path, Math.Max(1000, 95 * points.Count + 150), 700);
        return path;
    }

    private static double Percent(double fraction) => 100 * Math.Clamp(fraction, -Clip, Clip);
}
