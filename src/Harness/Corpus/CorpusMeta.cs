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

    public static CorpusMeta Read(string path) => Parse(File.ReadAllText(path), path);

    /// <summary>
    /// Parses and checks metadata text; <paramref name="path"/> only names it in errors. Anything the
    /// readers could not honour (another format, an odd page size, a negative or overflowing page count)
    /// is refused here, before anything is allocated for the image.
    /// </summary>
    public static CorpusMeta Parse(string json, string path)
    {
        CorpusMeta meta;
        try
        {
            meta = JsonSerializer.Deserialize<CorpusMeta>(json, Json)
                ?? throw new CorpusFormatException(path, 0, "the metadata is empty");
        }
        catch (JsonException e)
        {
            throw new CorpusFormatException(path, e.BytePositionInLine ?? 0, $"not valid metadata JSON: {e.Message}");
        }

        if (meta.Format != 1)
        {
            throw new CorpusFormatException(path, 0, $"format {meta.Format} is not supported (this reader knows format 1)");
        }

        if (meta.PageSize is < 1024 or > 65536 || (meta.PageSize & (meta.PageSize - 1)) != 0)
        {
            throw new CorpusFormatException(path, 0, $"pageSize {meta.PageSize} is not a power of two between 1024 and 65536");
        }

        if (meta.Pages < 0 || meta.Pages > long.MaxValue / meta.PageSize)
        {
            throw new CorpusFormatException(path, 0, $"pages {meta.Pages} is not a page count an image can have");
        }

        if (meta.Trace is { } trace && (trace.Epochs < 0 || trace.IntervalMs < 0))
        {
            throw new CorpusFormatException(path, 0, $"trace epochs {trace.Epochs} and intervalMs {trace.IntervalMs} must not be negative");
        }

        if (meta.Trace is { File.Length: > 0 } named && (Path.GetFileName(named.File) != named.File || named.File is "." or ".."))
        {
            // The trace must sit beside its metadata: a path here could point a corpus at any file.
            throw new CorpusFormatException(path, 0, $"trace file '{named.File}' is not a plain file name beside the metadata");
        }

        return meta;
    }
}

/// <summary>A corpus file that breaks the format: names the file, where, and what.</summary>
public sealed class CorpusFormatException(string file, long offset, string problem)
    : Exception($"{file}: at byte {offset}: {problem}")
{
    public string File { get; } = file;

    public long Offset { get; } = offset;
}
