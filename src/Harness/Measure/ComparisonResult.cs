using System.Runtime.InteropServices;
using Mecom.Codecs.Simd;

namespace Mecom.Harness.Measure;

/// <summary>
/// What <c>mecom codecs</c> measured: the one results model every output (table, JSON, CSV, Markdown,
/// plots) and the gate read. JSON field names are documented in docs/design/json.md.
/// </summary>
public sealed record ComparisonResult
{
    public int Schema { get; init; } = 1;

    /// <summary>Where the file came from; null in files written before it was recorded.</summary>
    public Provenance? Made { get; init; }

    public required MachineInfo Machine { get; init; }

    public required ComparisonSettings Settings { get; init; }

    public required IReadOnlyList<CorpusInfo> Corpus { get; init; }

    /// <summary>One row per codec over every page given.</summary>
    public required IReadOnlyList<CodecRow> Results { get; init; }

    /// <summary>The same rows per corpus entry, when more than one entry was measured.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<CodecRow>>? ByCorpus { get; init; }

    /// <summary>Every codec against the baseline measured beside it (<c>--baseline</c>), when there is one.</summary>
    public IReadOnlyList<PairedRow>? Paired { get; init; }
}

public sealed record MachineInfo(string Cpu, int Cores, int VectorWidth, string Runtime, string Os)
{
    public static MachineInfo Current()
    {
        string cpu = RuntimeInformation.ProcessArchitecture.ToString();
        try
        {
            string? model = File.Exists("/proc/cpuinfo")
                ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))
                : null;
            if (model is not null)
            {
                cpu = model[(model.IndexOf(':') + 1)..].Trim();
            }
        }
        catch (IOException)
        {
            // The architecture alone still identifies the machine class.
        }

        return new MachineInfo(cpu, Environment.ProcessorCount, (int)SimdTiers.Best, RuntimeInformation.FrameworkDescription,
            RuntimeInformation.OSDescription);
    }
}

public sealed record ComparisonSettings(IReadOnlyList<string> Codecs, int Passes, double MinTimeSeconds, int PageSize);

public sealed record CorpusInfo(string Name, long Pages);

/// <summary>One codec over a set of pages.</summary>
public sealed record CodecRow
{
    public required string Codec { get; init; }

    public long Pages { get; init; }

    public long BytesIn { get; init; }

    /// <summary>Bytes sent: a page that did not shrink counts as its full size (sent raw).</summary>
    public long BytesOut { get; init; }

    public long RawPages { get; init; }

    public double Ratio => BytesOut == 0 ? 0 : (double)BytesIn / BytesOut;

    /// <summary>MB/s of input bytes (10^6), over timed passes.</summary>
    public required SpeedSummary CompressMBps { get; init; }

    public required SpeedSummary DecompressMBps { get; init; }

    /// <summary>The same per page class (<see cref="PageClassifier.Key"/>), for classes with pages.</summary>
    public IReadOnlyDictionary<string, CodecRow>? ByClass { get; init; }
}
