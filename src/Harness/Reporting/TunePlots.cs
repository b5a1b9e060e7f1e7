using System.Globalization;
using ScottPlot;

namespace Mecom.Harness.Reporting;

/// <summary>The objective over the selector's two thresholds, one heatmap per bandwidth.</summary>
public static class TunePlots
{
    public static IReadOnlyList<string> Write(Tuner.Outcome outcome, IReadOnlyList<int> wkdm, IReadOnlyList<double> rawAbove, string folder)
    {
        Directory.CreateDirectory(folder);
        var written = new List<string>();
        foreach (var (bps, map) in outcome.Heatmaps)
        {
            TunedChoice choice = outcome.Settings.For(bps);
            var plot = new Plot();
            // ScottPlot draws row 0 at the top: flip so the WKdm threshold grows upwards.
            int rows = map.GetLength(0), cols = map.GetLength(1);
            var flipped = new double[rows, cols];
            for (int i = 0; i < rows; i++)
            {
                for (int j = 0; j < cols; j++)
                {
                    flipped[rows - 1 - i, j] = map[i, j];
                }
            }

            var heatmap = plot.Add.Heatmap(flipped);
            heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
            string unit = outcome.Settings.Objective switch { "downtime" or "time" => "ms", "data" => "bytes", _ => "mean ratio to raw" };
            plot.Add.ColorBar(heatmap).Label = $"{outcome.Settings.Objective}, {unit} (lower is better)";
            var xticks = new ScottPlot.TickGenerators.NumericManual();
            for (int j = 0; j < cols; j++)
            {
                xticks.AddMajor(j, rawAbove[j].ToString("0.###", CultureInfo.InvariantCulture));
            }

            var yticks = new ScottPlot.TickGenerators.NumericManual();
            for (int i = 0; i < rows; i++)
            {
                yticks.AddMajor(i, $"{wkdm[i]}/8");
            }

            plot.Axes.Bottom.TickGenerator = xticks;
            plot.Axes.Left.TickGenerator = yticks;
            int bi = wkdm.ToList().IndexOf(choice.Point.WkdmEighths);
            int bj = rawAbove.ToList().IndexOf(choice.Point.RawAbove);
            var marker = plot.Add.Marker(bj, bi, MarkerShape.OpenCircle, 30, Colors.Red);
            marker.LegendText = $"best: mecom:{choice.Point.WkdmEighths}, raw above {choice.Point.RawAbove}, batch {choice.Point.BatchPages}, {choice.Point.Workers} workers";
            plot.XLabel("raw threshold (send raw when the record exceeds this share of the page)");
            plot.YLabel("WKdm threshold (WKdm when its output is at most this share)");
            plot.Title($"{outcome.Settings.Corpus} at {Bandwidth.Format(bps)}/s: best over batch sizes and workers at each cell");
            plot.ShowLegend(Alignment.UpperRight);
            string path = Path.Combine(folder, $"tune-{Bandwidth.Format(bps)}.png");
            AtomicFile.SavePng(plot, path, 1000, 650);
            written.Add(path);
        }

        return written;
    }
}
