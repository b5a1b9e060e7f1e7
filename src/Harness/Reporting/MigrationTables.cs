using System.Globalization;
using System.Text;
using System.Text.Json;
using Spectre.Console;

namespace Mecom.Harness.Reporting;

/// <summary>The migration grid as a console table, Markdown and JSON; all read <see cref="MigrationRun"/>.</summary>
public static class MigrationTables
{
    private static readonly string[] Headers =
        ["corpus", "bandwidth", "strategy", "downtime ms", "total s", "MiB sent", "rounds", "exact", "downtime vs raw", "time vs raw", "data vs raw"];

    public static Table Build(IReadOnlyList<MigrationRun> runs)
    {
        var table = new Table().RoundedBorder();
        foreach (string h in Headers)
        {
            table.AddColumn(h is "corpus" or "bandwidth" or "strategy" or "exact" ? new TableColumn(h) : new TableColumn(h).RightAligned());
        }

        foreach (MigrationRun r in runs)
        {
            string[] cells = Cells(r);
            cells[7] = r.Exact ? "[green]yes[/]" : "[red]NO[/]";
            table.AddRow(cells.Select((c, i) => i == 7 ? c : Markup.Escape(c)).ToArray());
        }

        return table;
    }

    private static string[] Cells(MigrationRun r) => r.Error is not null
        ? [r.Corpus, r.Bandwidth, r.Strategy, "failed", "", "", "", "no", r.Error, "", ""]
        : [
            r.Corpus, r.Bandwidth, r.Strategy,
            F(r.DowntimeMs, "0.0"), F(r.TotalTimeMs / 1000, "0.00"), F(r.BytesSent / 1048576.0, "0.0"),
            r.Rounds.ToString(CultureInfo.InvariantCulture), r.Exact ? "yes" : "NO",
            Percent(r.VsRaw?.Downtime), Percent(r.VsRaw?.TotalTime), Percent(r.VsRaw?.Data),
        ];

    private static string Percent(double? reduction) => reduction is { } v ? (-v).ToString("+0.0%;-0.0%;0.0%", CultureInfo.InvariantCulture) : "";

    private static string F(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);

    public static string Markdown(IReadOnlyList<MigrationRun> runs, string title)
    {
        var md = new StringBuilder();
        md.AppendLine($"## {title}").AppendLine();
        md.AppendLine("| " + string.Join(" | ", Headers) + " |");
        md.AppendLine("|" + string.Join("|", Headers.Select(h => h is "corpus" or "bandwidth" or "strategy" or "exact" ? "---" : "---:")) + "|");
        foreach (MigrationRun r in runs)
        {
            md.AppendLine("| " + string.Join(" | ", Cells(r).Select(c => c.Replace("|", "\\|", StringComparison.Ordinal))) + " |");
        }

        md.AppendLine().AppendLine("\"vs raw\": change against sending every page raw over the same link (negative = less). "
            + "Downtime: guest paused until the target has every page verified, plus the resume constant.");
        MigrationRun? any = runs.FirstOrDefault(r => r.Error is null);
        if (any is not null)
        {
            md.AppendLine().AppendLine($"Mode {any.Mode}; stop rule {any.StopRule}; workload: {any.Workload}; {any.GuestPages:N0} pages of {any.PageSize} B.");
        }

        return md.ToString();
    }

    public static void WriteJson(MigrationReport report, string path) =>
        ResultFiles.Write(path, JsonSerializer.Serialize(report, ResultFiles.Json));

    public static MigrationReport ReadJson(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<MigrationReport>(File.ReadAllText(path), ResultFiles.Json)
                ?? throw new ArgumentException($"{path}: empty migration results file");
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"{path}: not a mecom migrate JSON file ({e.Message})");
        }
    }
}
