using Mecom.Harness.Measure;
using Spectre.Console;

namespace Mecom.Harness.Reporting;

/// <summary>How rows are ordered: the column users pick with <c>--sort</c>.</summary>
public enum SortColumn
{
    Compress,
    Decompress,
    Ratio,
    Name,
}

/// <summary>The lzbench-style table: one row per codec; medians over passes with their 99% interval.</summary>
public static class CodecTable
{
    public static IEnumerable<CodecRow> Sorted(IEnumerable<CodecRow> rows, SortColumn sort) => sort switch
    {
        SortColumn.Decompress => rows.OrderByDescending(r => r.DecompressMBps.Median),
        SortColumn.Ratio => rows.OrderByDescending(r => r.Ratio),
        SortColumn.Name => rows.OrderBy(r => r.Codec, StringComparer.Ordinal),
        _ => rows.OrderByDescending(r => r.CompressMBps.Median),
    };

    public static Table Build(ComparisonResult result, SortColumn sort)
    {
        var table = new Table().RoundedBorder().Title("codecs, all pages")
            .AddColumn("codec")
            .AddColumn(new TableColumn("ratio").RightAligned())
            .AddColumn(new TableColumn("compress MB/s").RightAligned())
            .AddColumn(new TableColumn("decompress MB/s").RightAligned())
            .AddColumn(new TableColumn("raw").RightAligned());
        foreach (CodecRow row in Sorted(result.Results, sort))
        {
            string[] cells =
            [
                row.Codec,
                $"{row.Ratio:F2}",
                Speed(row.CompressMBps),
                Speed(row.DecompressMBps),
                $"{100.0 * row.RawPages / Math.Max(1, row.Pages):F1}%",
            ];
            table.AddRow(cells.Select(Markup.Escape).ToArray());
        }

        return table;
    }

    /// <summary>Ratio and compress speed per page class: where each codec wins.</summary>
    public static Table BuildByClass(ComparisonResult result, SortColumn sort)
    {
        string[] classes = result.Results.SelectMany(r => r.ByClass?.Keys ?? []).Distinct().ToArray();
        var table = new Table().RoundedBorder().Title("per page class: ratio / compress MB/s / decompress MB/s").AddColumn("codec");
        foreach (string key in classes)
        {
            long pages = result.Results[0].ByClass?.GetValueOrDefault(key)?.Pages ?? 0;
            table.AddColumn(new TableColumn($"{key} ({pages:N0} p.)").RightAligned());
        }

        foreach (CodecRow row in Sorted(result.Results, sort))
        {
            var cells = new List<string> { row.Codec };
            foreach (string key in classes)
            {
                cells.Add(row.ByClass?.GetValueOrDefault(key) is { } c
                    ? $"{c.Ratio:F2} / {c.CompressMBps.Median:F0} / {c.DecompressMBps.Median:F0}"
                    : "-");
            }

            table.AddRow(cells.Select(Markup.Escape).ToArray());
        }

        return table;
    }

    /// <summary>Each codec as a multiple of the baseline measured beside it, pass by pass.</summary>
    public static Table BuildPaired(IReadOnlyList<PairedRow> rows)
    {
        var table = new Table().RoundedBorder().Title($"against {rows[0].Baseline}, paired pass by pass")
            .AddColumn("codec")
            .AddColumn(new TableColumn("ratio").RightAligned())
            .AddColumn(new TableColumn("compress speed").RightAligned())
            .AddColumn(new TableColumn("decompress speed").RightAligned());
        foreach (PairedRow row in rows.OrderByDescending(r => r.CompressX.Median))
        {
            table.AddRow(Markup.Escape(row.Codec), $"{row.RatioX:F3}x", Markup.Escape(Times(row.CompressX)), Markup.Escape(Times(row.DecompressX)));
        }

        return table;
    }

    public static string Times(SpeedSummary s) =>
        double.IsNaN(s.Median) ? "-" : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{s.Median:F2}x [{s.CiLow:F2}-{s.CiHigh:F2}]");

    public static string Speed(SpeedSummary s) =>
        double.IsNaN(s.Median) ? "-" : $"{s.Median:F0} [{s.CiLow:F0}-{s.CiHigh:F0}]";
}
