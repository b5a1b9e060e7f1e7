using System.Globalization;
using System.Text.RegularExpressions;

namespace Mecom.Harness.Qemu;

/// <summary>The guest workload's PROGRESS lines (corpora/vm/kvstore.c), read from both consoles into its slowdown.</summary>
public static partial class ProgressLines
{
    [GeneratedRegex(@"^PROGRESS ms=(\d+) done=(\d+) due=(\d+)")]
    private static partial Regex ProgressLine();

    /// <summary>The guest's rate before and during the migration and its worst lag, from both consoles.</summary>
    public static GuestProgress? Read(
        IReadOnlyList<(DateTimeOffset Seen, string Line)> source, IReadOnlyList<(DateTimeOffset Seen, string Line)> target, DateTimeOffset started, DateTimeOffset? stopped)
    {
        static List<(DateTimeOffset Seen, double Ms, double Done, double Due)> Parse(IEnumerable<(DateTimeOffset Seen, string Line)> lines) =>
            lines.Select(l => (l.Seen, Match: ProgressLine().Match(l.Line)))
                .Where(x => x.Match.Success)
                .Select(x => (x.Seen, double.Parse(x.Match.Groups[1].Value, CultureInfo.InvariantCulture), double.Parse(x.Match.Groups[2].Value, CultureInfo.InvariantCulture), double.Parse(x.Match.Groups[3].Value, CultureInfo.InvariantCulture)))
                .ToList();

        var lines = Parse(source);
        var before = lines.Where(p => p.Seen <= started && p.Seen >= started - TimeSpan.FromSeconds(3)).ToList();
        // The line just before the start anchors the rate during: a fast migration (half a second at 1 Gbit/s)
        // holds only one or two of the 250 ms lines of its own.
        var during = before.TakeLast(1).Concat(lines.Where(p => p.Seen > started && p.Seen <= (stopped ?? DateTimeOffset.MaxValue))).ToList();
        var after = Parse(target).Take(12).ToList();
        if (before.Count < 2 || during.Count < 2)
        {
            return null;
        }

        static double Rate(List<(DateTimeOffset Seen, double Ms, double Done, double Due)> xs) =>
            (xs[^1].Done - xs[0].Done) / Math.Max(1e-3, (xs[^1].Ms - xs[0].Ms) / 1000);

        double rateBefore = Rate(before);
        double rateDuring = Rate(during);
        double perMs = Math.Max(rateBefore, 1e-3) / 1000;
        double lag = during.Concat(after).Max(p => (p.Due - p.Done) / perMs);
        return new GuestProgress(Math.Round(rateBefore, 1), Math.Round(rateDuring, 1), Math.Round(1 - (rateDuring / Math.Max(rateBefore, 1e-9)), 4), Math.Round(lag, 1));
    }
}
