using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Mecom.Harness.Measure;

namespace Mecom.Harness.Reporting;

/// <summary>JSON, CSV and Markdown of a codec comparison; all read the one results model.</summary>
public static class ResultFiles
{
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static void WriteJson(ComparisonResult result, string path) =>
        Write(path, JsonSerializer.Serialize(result, Json));

    public static ComparisonResult ReadJson(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<ComparisonResult>(File.ReadAllText(path), Json)
                ?? throw new InvalidDataException($"{path}: empty results file");
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"{path}: not a mecom codecs JSON file ({e.Message})");
        }
    }

    /// <summary>One line per codec and scope: scope is "all" or a page class; corpus is "*" for all entries.</summary>
    public static void WriteCsv(ComparisonResult result, string path)
    {
        var csv = new StringBuilder("corpus,codec,scope,pages,bytesIn,bytesOut,ratio,rawPages,compressMBps,compressCiLow,compressCiHigh,decompressMBps,decompressCiLow,decompressCiHigh\r\n");
        // Lines end in CRLF, as RFC 4180 says; names are quoted where they need it.
        void Line(string corpus, string scope, CodecRow r) => csv.Append(string.Join(',',
            Csv(corpus), Csv(r.Codec), Csv(scope), r.Pages, r.BytesIn, r.BytesOut, F(r.Ratio), r.RawPages,
            F(r.CompressMBps.Median), F(r.CompressMBps.CiLow), F(r.CompressMBps.CiHigh),
            F(r.DecompressMBps.Median), F(r.DecompressMBps.CiLow), F(r.DecompressMBps.CiHigh))).Append("\r\n");

        void Rows(string corpus, IEnumerable<CodecRow> rows)
        {
            foreach (CodecRow row in rows)
            {
                Line(corpus, "all", row);
                foreach ((string key, CodecRow c) in row.ByClass ?? new Dictionary<string, CodecRow>())
                {
                    Line(corpus, key, c);
                }
            }
        }

        Rows("*", result.Results);
        foreach ((string name, IReadOnlyList<CodecRow> rows) in result.ByCorpus ?? new Dictionary<string, IReadOnlyList<CodecRow>>())
        {
            Rows(name, rows);
        }

        Write(path, csv.ToString());
    }

    public static string Markdown(ComparisonResult result, SortColumn sort)
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture,
            $"{result.Corpus.Sum(c => c.Pages):N0} pages of {result.Settings.PageSize} B ({string.Join(", ", result.Corpus.Select(c => c.Name))}); "
            + $"{result.Machine.Cpu}, {result.Machine.Cores} cores, vector width {result.Machine.VectorWidth}, {result.Machine.Runtime}; "
            + $"medians of {result.Results[0].CompressMBps.Samples.Count} passes, 99% CI in brackets.");
        md.AppendLine();
        md.AppendLine("| codec | ratio | compress MB/s | decompress MB/s | raw pages |");
        md.AppendLine("|---|---:|---:|---:|---:|");
        foreach (CodecRow r in CodecTable.Sorted(result.Results, sort))
        {
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Codec} | {r.Ratio:F2} | {CodecTable.Speed(r.CompressMBps)} | {CodecTable.Speed(r.DecompressMBps)} | {100.0 * r.RawPages / Math.Max(1, r.Pages):F1}% |");
        }

        string[] classes = result.Results.SelectMany(r => r.ByClass?.Keys ?? []).Distinct().ToArray();
        md.AppendLine();
        md.AppendLine("Per page class (ratio / compress MB/s / decompress MB/s):");
        md.AppendLine();
        md.AppendLine("| codec | " + string.Join(" | ", classes.Select(k => $"{k} ({result.Results[0].ByClass?.GetValueOrDefault(k)?.Pages ?? 0} pages)")) + " |");
        md.AppendLine("|---|" + string.Concat(classes.Select(_ => "---:|")));
        foreach (CodecRow r in CodecTable.Sorted(result.Results, sort))
        {
            md.AppendLine($"| {r.Codec} | " + string.Join(" | ", classes.Select(k => r.ByClass?.GetValueOrDefault(k) is { } c
                ? string.Create(CultureInfo.InvariantCulture, $"{c.Ratio:F2} / {c.CompressMBps.Median:F0} / {c.DecompressMBps.Median:F0}")
                : "-")) + " |");
        }

        if (result.Paired is { Count: > 0 } paired)
        {
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"Against {paired[0].Baseline} measured beside it (speeds divided pass by pass; median, 99% CI):");
            md.AppendLine();
            md.AppendLine("| codec | ratio | compress speed | decompress speed |");
            md.AppendLine("|---|---:|---:|---:|");
            foreach (PairedRow p in paired.OrderByDescending(p => p.CompressX.Median))
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"| {p.Codec} | {p.RatioX:F3}x | {CodecTable.Times(p.CompressX)} | {CodecTable.Times(p.DecompressX)} |");
            }
        }

        return md.ToString();
    }

    public static void WriteMarkdown(ComparisonResult result, SortColumn sort, string path) => Write(path, Markdown(result, sort));

    /// <summary>A CSV field per RFC 4180: quoted when it holds a comma, a quote or a line break, quotes doubled.</summary>
    public static string Csv(string field) =>
        field.AsSpan().IndexOfAny(",\"\r\n") < 0 ? field : "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static string F(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);

    internal static void Write(string path, string text) => AtomicFile.WriteAllText(path, text);
}
