using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mecom.Harness.Corpus;

/// <summary><c>NAME.meta.json</c> of the corpus format (corpora/FORMAT.md). Unknown fields are kept out.</summary>
public sealed record CorpusMeta
{
    public int Format { get; init; } = 1;

    public string Name { get; init; } = string.Empty;

    public string Kind { get; init; } = "process";

    public string? Description { get; init; }

    public int PageSize { get; init; } = 4096;

    public long Pages { get; init; }

    public string? Captured { get; init; }

    public string? CapturedWith { get; init; }

    public TraceInfo? Trace { get; init; }

    public sealed record TraceInfo
    {
        public string File { get; init; } = string.Empty;

        public int Epochs { get; init; }

        public int IntervalMs { get; init; }
    }

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
    };

    public static CorpusMeta Read(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<CorpusMeta>(File.ReadAllText(path), Json)
                ?? throw new CorpusFormatException(path, 0, "the metadata is empty");
        }
        catch (JsonException e)
        {
            throw new CorpusFormatException(path, e.BytePositionInLine ?? 0, $"not valid metadata JSON: {e.Message}");
        }
    }
}

/// <summary>A corpus file that breaks the format: names the file, where, and what.</summary>
public sealed class CorpusFormatException(string file, long offset, string problem)
    : Exception($"{file}: at byte {offset}: {problem}")
{
    public string File { get; } = file;

    public long Offset { get; } = offset;
}
