using System.Text.Json;
using System.Text.Json.Nodes;
using Mecom.Harness.Corpus;
using Mecom.Harness.Gate;
using Mecom.Harness.Measure;

namespace Mecom.Harness.Reporting;

/// <summary>Saved result files read back for a report, each recognised by its shape.</summary>
public static class ReportFiles
{
    /// <summary>
    /// Reads <paramref name="files"/> (codecs, migrate/simulate, corpus stats or baseline JSON) into one
    /// report; each part is labelled with its file's name when there are several of its kind.
    /// </summary>
    public static ReportParts Read(IReadOnlyList<string> files, IReadOnlyList<string> images)
    {
        var corpus = new List<(string, CorpusStatsReport)>();
        var codecs = new List<(string, ComparisonResult)>();
        var migration = new List<(string, MigrationReport)>();
        var made = new List<Provenance?>();
        foreach (string file in files)
        {
            if (!File.Exists(file))
            {
                throw new FileNotFoundException($"{file}: no such file");
            }

            string label = Path.GetFileNameWithoutExtension(file);
            try
            {
                JsonObject root = JsonNode.Parse(File.ReadAllText(file)) as JsonObject
                    ?? throw new ArgumentException($"{file}: not a mecom result file (not a JSON object)");
                if (root.ContainsKey("entries"))
                {
                    var report = root.Deserialize<CorpusStatsReport>(ResultFiles.Json)!;
                    corpus.Add((label, report));
                    made.Add(report.Made);
                }
                else if (root.ContainsKey("runs"))
                {
                    var report = root.Deserialize<MigrationReport>(ResultFiles.Json)!;
                    migration.Add((label, report));
                    made.Add(report.Made);
                }
                else if (root.ContainsKey("savedUtc"))
                {
                    var baseline = root.Deserialize<Baseline>(ResultFiles.Json)!;
                    codecs.Add((label, baseline.Codecs));
                    made.Add(baseline.Made ?? baseline.Codecs.Made);
                }
                else if (root.ContainsKey("results"))
                {
                    var result = root.Deserialize<ComparisonResult>(ResultFiles.Json)!;
                    codecs.Add((label, result));
                    made.Add(result.Made);
                }
                else
                {
                    throw new ArgumentException($"{file}: not a mecom codecs, migrate, corpus stats or baseline file");
                }
            }
            catch (JsonException e)
            {
                throw new ArgumentException($"{file}: not a mecom result file ({e.Message})");
            }
        }

        static IReadOnlyList<(string, T)> Labelled<T>(List<(string Label, T Part)> parts) =>
            parts.Count == 1 ? [("", parts[0].Part)] : parts;

        return new ReportParts(made.FirstOrDefault(m => m is not null), Labelled(corpus), Labelled(codecs), Labelled(migration), images);
    }

    /// <summary>The plots a results folder holds, in the order a reader wants them: corpus, codecs, migration.</summary>
    public static IReadOnlyList<string> Plots(string folder) =>
        new[] { "corpus-", "codecs-", "migrate-", "validate" }
            .SelectMany(prefix => Directory.Exists(folder) ? Directory.GetFiles(folder, prefix + "*.png").Order(StringComparer.Ordinal) : Enumerable.Empty<string>())
            .ToArray();
}
