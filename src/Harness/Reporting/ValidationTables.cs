using Mecom.Harness.Measure;
using Spectre.Console;

namespace Mecom.Harness.Reporting;

/// <summary><c>mecom simulate --validate</c> in the console: the table of simulated against emulated runs, and the note under it.</summary>
public static class ValidationTables
{
    /// <summary>Simulated against emulated, point by point: the medians and paired deviation of each metric, how the emulated downtimes spread, and the downtime's verdict.</summary>
    public static Table Build(IReadOnlyList<MigrationRun> simulated, IReadOnlyList<MigrationRun> emulated, IReadOnlyList<PairedPoint> points)
    {
        var table = new Table().RoundedBorder().Title("simulated vs emulated (medians over repeats; each simulation priced just before its emulation; in parentheses the median over those pairs of simulated / emulated - 1)")
            .AddColumn("corpus").AddColumn("bandwidth").AddColumn("strategy")
            .AddColumn(new TableColumn("downtime ms sim / emu").RightAligned())
            .AddColumn(new TableColumn("total s sim / emu").RightAligned())
            .AddColumn(new TableColumn("MiB sim / emu").RightAligned())
            .AddColumn(new TableColumn("emulated downtimes ms").RightAligned())
            .AddColumn(new TableColumn($"emulated median {Statistics.ConfidenceLevel:0%} CI, ms").RightAligned())
            .AddColumn(new TableColumn($"downtime sim/emu - 1 by pair: median, {Statistics.ConfidenceLevel:0%} CI").RightAligned())
            .AddColumn(new TableColumn("emulator vs itself: even / odd repeats - 1").RightAligned());
        for (int i = 0; i < simulated.Count; i++)
        {
            MigrationRun s = simulated[i];
            MigrationRun e = emulated[i];
            if (e.Error is not null)
            {
                continue;
            }

            DowntimeSpread spread = points[i].Downtime;
            SpeedSummary median = spread.Median;
            string inside = s.DowntimeMs >= median.CiLow && s.DowntimeMs <= median.CiHigh ? "sim inside" : "sim outside";
            double halfWidth = (median.CiHigh - median.CiLow) / 2 / median.Median;
            table.AddRow(s.Corpus, s.Bandwidth, s.Strategy,
                Pair(s.DowntimeMs, e.DowntimeMs, spread.Deviation, "0.0"), Pair(s.TotalTimeMs / 1000, e.TotalTimeMs / 1000, points[i].TotalTime, "0.000"),
                Pair(s.BytesSent / 1048576.0, e.BytesSent / 1048576.0, points[i].Data, "0.00"),
                string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{spread.Low:0.0}-{spread.High:0.0}"),
                // Few runs that spread widely give a normal-approximation interval reaching below zero; a downtime cannot.
                spread.Samples.Length < 2 ? "-" : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Math.Max(0, median.CiLow):0.0}-{median.CiHigh:0.0} (±{halfWidth:0%}), {inside}"),
                PairedDeviation(spread), Halves(spread.Halves));
        }

        return table;
    }

    /// <summary>
    /// A line for under the table: at how many points the emulator's two halves already differ by more than
    /// the band, where no simulator could be shown within it by these runs; null when none do.
    /// </summary>
    public static string? NoiseNote(IReadOnlyList<MigrationRun> emulated, IReadOnlyList<PairedPoint> points)
    {
        string[] noisy = points.Select((p, i) => (p, e: emulated[i]))
            .Where(x => x.e.Error is null && Math.Abs(x.p.Downtime.Halves) > Validation.Band)
            .Select(x => $"{x.e.Strategy} @ {x.e.Bandwidth} ({x.p.Downtime.Halves:+0%;-0%})").ToArray();
        return noisy.Length == 0 ? null
            : $"The emulator's downtime does not repeat within {Validation.Band:0%} at {noisy.Length} of {points.Count} points (its even against its odd repeats): {string.Join(", ", noisy)}. There a second validation's emulated median could move as far, and the band cannot be checked with these runs.";
    }

    private static string Halves(double halves) => double.IsNaN(halves) ? "-" : Tinted(halves, "+0.0%;-0.0%;0.0%");

    /// <summary>A deviation in <paramref name="format"/>, green within the band, yellow beyond it.</summary>
    private static string Tinted(double deviation, string format) =>
        $"[{(Math.Abs(deviation) <= Validation.Band ? "green" : "yellow")}]{deviation.ToString(format, System.Globalization.CultureInfo.InvariantCulture)}[/]";

    private static string PairedDeviation(DowntimeSpread spread)
    {
        SpeedSummary d = spread.Deviation;
        if (double.IsNaN(d.Median))
        {
            return "-";
        }

        string colour = spread.Judge(Validation.Band) switch { Agreement.Within => "green", Agreement.Outside => "red", _ => "yellow" };
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{d.Median:+0.0%;-0.0%;0.0%} ({d.CiLow:+0%;-0%;0%} to {d.CiHigh:+0%;-0%;0%}), [{colour}]{spread.Verdict(Validation.Band)}[/]");
    }

    private static string Pair(double sim, double emu, SpeedSummary paired, string format)
    {
        double deviation = double.IsNaN(paired.Median) ? 0 : paired.Median;
        return $"{sim.ToString(format, System.Globalization.CultureInfo.InvariantCulture)} / {emu.ToString(format, System.Globalization.CultureInfo.InvariantCulture)} {Tinted(deviation, "(+0.0%);(-0.0%);(0.0%)")}";
    }
}
