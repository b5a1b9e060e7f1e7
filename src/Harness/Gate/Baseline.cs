using System.Text.Json;
using Mecom.Harness.Measure;
using Mecom.Harness.Reporting;

namespace Mecom.Harness.Gate;

/// <summary>A saved measurement to gate later builds against: every pass's samples, the machine, the commit.</summary>
public sealed record Baseline
{
    public int Schema { get; init; } = 1;

    /// <summary>Where the file came from; null in files written before it was recorded.</summary>
    public Provenance? Made { get; init; }

    public required string Commit { get; init; }

    public required DateTime SavedUtc { get; init; }

    /// <summary>The corpus measured (full path), or null for the shipped corpus.</summary>
    public string? Corpus { get; init; }

    /// <summary>The codec comparison, with every pass's MB/s in its samples.</summary>
    public required ComparisonResult Codecs { get; init; }

    /// <summary>Simulated migrations with free CPUs (<see cref="MigrationGate"/>), or null when not measured.</summary>
    public IReadOnlyList<Migration.Policy.MigrationRun>? Migration { get; init; }

    /// <summary>The migration metrics' guest (full path), or null for the shipped VM.</summary>
    public string? MigrationCorpus { get; init; }

    /// <summary>Writes the baseline whole or not at all (<see cref="AtomicFile"/> also makes its folder).</summary>
    public void Save(string path) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, ResultFiles.Json));

    /// <summary>Reads a baseline (or a plain <c>mecom codecs --json</c> file, taken as one).</summary>
    public static Baseline Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: no such baseline file; save one with 'mecom baseline save --out {path}'");
        }

        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            if (doc.RootElement.TryGetProperty("codecs", out _))
            {
                return doc.RootElement.Deserialize<Baseline>(ResultFiles.Json) ?? throw new JsonException("empty");
            }

            ComparisonResult codecs = doc.RootElement.Deserialize<ComparisonResult>(ResultFiles.Json) ?? throw new JsonException("empty");
            return new Baseline { Commit = "unknown", SavedUtc = File.GetLastWriteTimeUtc(path), Codecs = codecs };
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"{path}: not a baseline or codecs JSON file ({e.Message})");
        }
    }

    /// <summary>The commit being measured (<see cref="Provenance.CurrentCommit"/>).</summary>
    public static string CurrentCommit() => Provenance.CurrentCommit();
}
