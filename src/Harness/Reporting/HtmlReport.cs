using System.Globalization;
using System.Net;
using System.Text;
using Mecom.Harness.Corpus;
using Mecom.Harness.Measure;

namespace Mecom.Harness.Reporting;

/// <summary>What one report page shows; any part may be missing (a run stopped early, a single saved file).</summary>
/// <param name="Images">PNG files to embed, in order, each under its file name.</param>
public sealed record ReportParts(
    Provenance? Made,
    IReadOnlyList<(string Label, CorpusStatsReport Report)> Corpus,
    IReadOnlyList<(string Label, ComparisonResult Result)> Codecs,
    IReadOnlyList<(string Label, MigrationReport Report)> Migration,
    IReadOnlyList<string> Images);

/// <summary>
/// One self-contained HTML page (no network: styles inline, plots embedded as data) with the machine, the
/// commit and the command, the corpus, the codec table, the migration grid and the reductions against the
/// paper's, the page people open instead of five files. Several saved runs sit side by side, labelled.
/// </summary>
public static class HtmlReport
{
    public static string Build(ReportParts parts)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>mecom report</title><style>")
            .Append("body{font-family:sans-serif;margin:2em;max-width:1400px;color:#222}table{border-collapse:collapse;margin:1em 0}")
            .Append("th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#eee}td:first-child,th:first-child{text-align:left}")
            .Append("td.l{text-align:left}.good{color:#070}.bad{color:#b00}img{max-width:100%;border:1px solid #ddd;margin:.5em 0}code{background:#f4f4f4}")
            .Append("</style></head><body><h1>mecom report</h1>");
        Header(html, parts.Made);
        foreach (var (label, report) in parts.Corpus)
        {
            CorpusSection(html, label, report);
        }

        foreach (var (label, result) in parts.Codecs)
        {
            CodecSection(html, label, result);
        }

        foreach (var (label, report) in parts.Migration)
        {
            MigrationSection(html, label, report);
        }

        if (parts.Images.Count > 0)
        {
            html.Append("<h2>Plots</h2>");
            foreach (string image in parts.Images)
            {
                string name = WebUtility.HtmlEncode(Path.GetFileName(image));
                html.Append(CultureInfo.InvariantCulture, $"<figure><img alt=\"{name}\" src=\"data:image/png;base64,{Convert.ToBase64String(File.ReadAllBytes(image))}\"><figcaption>{name}</figcaption></figure>");
            }
        }

        // A checker (a person's browser, or the test's headless one) reads how many plots actually decoded.
        html.Append("<script>window.addEventListener('load',()=>{const i=[...document.images];")
            .Append("document.body.dataset.imagesLoaded=i.filter(x=>x.complete&&x.naturalWidth>0).length+'/'+i.length;});</script>")
            .Append("</body></html>\n");
        return html.ToString();
    }

    public static void Write(string path, ReportParts parts) => AtomicFile.WriteAllText(path, Build(parts));

    private static void Header(StringBuilder html, Provenance? made)
    {
        if (made is null)
        {
            html.Append("<p>Made by an older mecom that did not record where its files came from.</p>");
            return;
        }

        html.Append("<table>");
        Row(html, "command", $"<code>{E(made.CommandLine ?? "(not from the command line)")}</code>");
        Row(html, "tool", E(made.Tool));
        Row(html, "commit", $"<code>{E(made.Commit)}</code>");
        Row(html, "date", E(made.Date.ToString("u", CultureInfo.InvariantCulture)));
        Row(html, "machine", E($"{made.Machine.Cpu}, {made.Machine.Cores} cores, Vector{made.Machine.VectorWidth} tier, {made.Machine.Runtime}, {made.Machine.Os}"));
        Row(html, "libraries", E(string.Join(", ", made.Libraries)));
        html.Append("</table>");
    }

    private static void CorpusSection(StringBuilder html, string label, CorpusStatsReport report)
    {
        html.Append(CultureInfo.InvariantCulture, $"<h2>Corpus{Label(label)}</h2><table><tr><th>entry</th><th>kind</th><th>pages</th>");
        string[] classes = report.Entries.SelectMany(e => e.Classes.Keys).Distinct().ToArray();
        foreach (string c in classes)
        {
            html.Append(CultureInfo.InvariantCulture, $"<th>{E(c)}</th>");
        }

        html.Append("<th>entropy bits/byte</th><th>dirty pages/s (median epoch)</th></tr>");
        foreach (EntryStats e in report.Entries)
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(e.Name)}</td><td class=\"l\">{E(e.Kind)}</td><td>{e.Pages:N0}</td>");
            foreach (string c in classes)
            {
                html.Append(CultureInfo.InvariantCulture, $"<td>{(e.Pages == 0 ? 0 : 100.0 * e.Classes.GetValueOrDefault(c) / e.Pages):F1}%</td>");
            }

            double[] rates = e.Epochs.Select(x => x.PagesPerSecond).Order().ToArray();
            string rate = rates.Length == 0 ? "-" : rates[rates.Length / 2].ToString("N0", CultureInfo.InvariantCulture);
            html.Append(CultureInfo.InvariantCulture, $"<td>{e.ByteEntropy:F2}</td><td>{rate}</td></tr>");
        }

        html.Append("</table>");
    }

    private static void CodecSection(StringBuilder html, string label, ComparisonResult result)
    {
        html.Append(CultureInfo.InvariantCulture, $"<h2>Codecs{Label(label)}</h2><p>{result.Corpus.Sum(c => c.Pages):N0} pages of {result.Settings.PageSize} B from ")
            .Append(E(string.Join(", ", result.Corpus.Select(c => c.Name))))
            .Append(CultureInfo.InvariantCulture, $"; {result.Settings.Passes} timed passes; medians with 99% intervals.</p>")
            .Append("<table><tr><th>codec</th><th>ratio</th><th>compress MB/s</th><th>decompress MB/s</th><th>raw pages</th></tr>");
        foreach (CodecRow r in result.Results.OrderByDescending(r => r.CompressMBps.Median))
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(r.Codec)}</td><td>{r.Ratio:F2}</td><td>{Speed(r.CompressMBps)}</td><td>{Speed(r.DecompressMBps)}</td>")
                .Append(CultureInfo.InvariantCulture, $"<td>{(r.Pages == 0 ? 0 : 100.0 * r.RawPages / r.Pages):F1}%</td></tr>");
        }

        html.Append("</table>");
        if (result.Paired is { Count: > 0 } paired)
        {
            html.Append(CultureInfo.InvariantCulture, $"<h3>Against {E(paired[0].Baseline)}, pass by pass</h3><table><tr><th>codec</th><th>ratio</th><th>compress</th><th>decompress</th></tr>");
            foreach (PairedRow p in paired.OrderByDescending(p => p.CompressX.Median))
            {
                html.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(p.Codec)}</td><td>{p.RatioX:F3}x</td><td>{Times(p.CompressX)}</td><td>{Times(p.DecompressX)}</td></tr>");
            }

            html.Append("</table>");
        }
    }

    private static void MigrationSection(StringBuilder html, string label, MigrationReport report)
    {
        html.Append(CultureInfo.InvariantCulture, $"<h2>Migration{Label(label)}</h2><table><tr><th>corpus</th><th>bandwidth</th><th>strategy</th><th>mode</th>")
            .Append("<th>downtime ms</th><th>total s</th><th>MiB sent</th><th>rounds</th><th>exact</th></tr>");
        foreach (MigrationRun r in report.Runs)
        {
            string exact = r.Error is not null ? $"<span class=\"bad\">failed: {E(r.Error)}</span>" : r.Exact ? "<span class=\"good\">yes</span>" : "<span class=\"bad\">NO</span>";
            html.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(r.Corpus)}</td><td>{E(r.Bandwidth)}</td><td>{E(r.Strategy)}</td><td class=\"l\">{E(r.Mode)}</td>")
                .Append(CultureInfo.InvariantCulture, $"<td>{r.DowntimeMs:F1}</td><td>{r.TotalTimeMs / 1000:F2}</td><td>{r.BytesSent / 1048576.0:F1}</td><td>{r.Rounds}</td><td class=\"l\">{exact}</td></tr>");
        }

        html.Append("</table>");
        MigrationRun[] mecom = report.Runs.Where(r => r.Strategy == "mecom" && r.VsRaw is not null).ToArray();
        if (mecom.Length > 0)
        {
            Reduction paper = Reduction.Paper;
            html.Append(CultureInfo.InvariantCulture, $"<h3>mecom against raw pre-copy (the paper: {paper.Downtime:P1} downtime, {paper.TotalTime:P0} total time, {paper.Data:P1} data)</h3>")
                .Append("<table><tr><th>corpus</th><th>bandwidth</th><th>downtime</th><th>total time</th><th>data</th></tr>");
            foreach (MigrationRun r in mecom)
            {
                html.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(r.Corpus)}</td><td>{E(r.Bandwidth)}</td>{Versus(r.VsRaw!.Downtime, paper.Downtime)}")
                    .Append(CultureInfo.InvariantCulture, $"{Versus(r.VsRaw.TotalTime, paper.TotalTime)}{Versus(r.VsRaw.Data, paper.Data)}</tr>");
            }

            html.Append("</table>");
        }
    }

    private static void Row(StringBuilder html, string name, string value) => html.Append(CultureInfo.InvariantCulture, $"<tr><th>{name}</th><td class=\"l\">{value}</td></tr>");

    private static string Label(string label) => label.Length == 0 ? "" : $": {E(label)}";

    private static string Speed(SpeedSummary s) => string.Create(CultureInfo.InvariantCulture, $"{s.Median:F0} [{s.CiLow:F0}-{s.CiHigh:F0}]");

    private static string Times(SpeedSummary s) => string.Create(CultureInfo.InvariantCulture, $"{s.Median:F2}x [{s.CiLow:F2}-{s.CiHigh:F2}]");

    private static string Versus(double reduction, double paper) =>
        string.Create(CultureInfo.InvariantCulture, $"<td class=\"{(reduction >= paper ? "good" : "bad")}\">{reduction:P1}</td>");

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
