using Mecom.Harness.Measure;
using Spectre.Console;

namespace Mecom.Harness.Reporting;

/// <summary>The lzbench-style table: one row per codec, medians over passes, memcpy-free for now.</summary>
public static class CodecTable
{
    public static Table Build(IReadOnlyList<CodecMeasurement> rows, string? baseline)
    {
        CodecMeasurement? reference = rows.FirstOrDefault(r => r.Codec == baseline);
        var table = new Table().RoundedBorder()
            .AddColumn("codec")
            .AddColumn(new TableColumn("ratio").RightAligned())
            .AddColumn(new TableColumn("compress MB/s").RightAligned())
            .AddColumn(new TableColumn("decompress MB/s").RightAligned())
            .AddColumn(new TableColumn("raw pages").RightAligned());
        if (reference is not null)
        {
            table.AddColumn(new TableColumn($"comp. vs {reference.Codec}").RightAligned());
            table.AddColumn(new TableColumn($"decomp. vs {reference.Codec}").RightAligned());
        }

        foreach (CodecMeasurement row in rows.OrderByDescending(r => Statistics.Median(r.CompressMBps)))
        {
            var cells = new List<string>
            {
                row.Codec,
                $"{row.Ratio:F2}",
                $"{Statistics.Median(row.CompressMBps):F0}",
                $"{Statistics.Median(row.DecompressMBps):F0}",
                $"{100.0 * row.RawPages / Math.Max(1, row.Pages):F1}%",
            };
            if (reference is not null)
            {
                cells.Add($"{Statistics.MedianRatio(row.CompressMBps, reference.CompressMBps):F2}x");
                cells.Add($"{Statistics.MedianRatio(row.DecompressMBps, reference.DecompressMBps):F2}x");
            }

            table.AddRow(cells.Select(Markup.Escape).ToArray());
        }

        return table;
    }
}
