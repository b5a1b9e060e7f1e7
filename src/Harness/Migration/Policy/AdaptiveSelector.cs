using System.Diagnostics;
using Mecom.Codecs;

namespace Mecom.Harness.Migration.Policy;

/// <summary>
/// The bandwidth-aware selector (the paper weighs CPU and network): per batch, the candidate whose
/// pipelined time per page, max(compress / workers, bytes / bandwidth, decompress / workers), is least;
/// when source and target share one machine's cores (the in-process emulator, the simulator's default)
/// both sides' work also has to fit those cores: (compress + decompress) / cores joins the max. Without
/// that term the selector took zstd at 1 Gbit/s on 2 shared cores as if each side had both to itself.
/// Costs start from a calibration on a sample of the guest's pages at migration start and follow the
/// batches actually sent (exponential moving averages); every <see cref="ExploreEvery"/>th batch one other
/// candidate is measured on the same pages, so a codec that was losing is noticed when the pages change.
/// Thread-safe.
/// </summary>
public sealed class AdaptiveSelector
{
    /// <summary>Weight of the newest batch in the moving averages.</summary>
    public const double Alpha = 0.2;

    public const int ExploreEvery = 16;

    /// <summary>Record header each page costs on the wire whatever the codec.</summary>
    private const int RecordBytes = Codecs.Framing.BatchFrame.RecordHeaderBytes;

    private readonly object gate = new();
    private readonly double[] compressNs;
    private readonly double[] bytes;
    private readonly double[] decompressPerCompress;
    private readonly long[] chosen;
    private int explored;

    /// <param name="sharedCores">Cores source and target share, or null when each side has its own machine.</param>
    public AdaptiveSelector(IReadOnlyList<string> names, double[] compressNsPerPage, double[] decompressNsPerPage, double[] bytesPerPage, double bandwidthBps, int workers, int? sharedCores = null)
    {
        if (sharedCores is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(sharedCores), sharedCores, "at least one shared core");
        }

        SharedCores = sharedCores;
        Names = names;
        compressNs = (double[])compressNsPerPage.Clone();
        bytes = (double[])bytesPerPage.Clone();
        decompressPerCompress = compressNsPerPage.Select((c, i) => decompressNsPerPage[i] / Math.Max(c, 1)).ToArray();
        BandwidthBps = bandwidthBps;
        Workers = workers;
        chosen = new long[names.Count];
    }

    public IReadOnlyList<string> Names { get; }

    public double BandwidthBps { get; }

    public int Workers { get; }

    /// <summary>Cores source and target share, or null for separate hosts.</summary>
    public int? SharedCores { get; }

    /// <summary>Batches each candidate was chosen for.</summary>
    public IReadOnlyList<long> Chosen => chosen;

    /// <summary>Measures every candidate on up to <paramref name="samplePages"/> pages spread over the memory.</summary>
    public static AdaptiveSelector Calibrate(IReadOnlyList<CodecSpec> candidates, ReadOnlySpan<byte> memory, int pageSize, double bandwidthBps, int workers, int? sharedCores, int samplePages = 256)
    {
        long pages = memory.Length / pageSize;
        int n = (int)Math.Min(samplePages, pages);
        byte[] output = new byte[pageSize];
        byte[] back = new byte[pageSize];
        var c = new double[candidates.Count];
        var d = new double[candidates.Count];
        var b = new double[candidates.Count];
        for (int k = 0; k < candidates.Count; k++)
        {
            IPageCodec codec = CodecRegistry.Create(candidates[k]);
            long compressTicks = 0, decompressTicks = 0, total = 0;
            for (int i = 0; i < n; i++)
            {
                ReadOnlySpan<byte> page = memory.Slice((int)(i * pages / n * pageSize), pageSize);
                long t0 = Stopwatch.GetTimestamp();
                int length = codec.Compress(page, output);
                long t1 = Stopwatch.GetTimestamp();
                if (length >= 0)
                {
                    codec.Decompress(output.AsSpan(0, length), back);
                }
                else
                {
                    page.CopyTo(back);
                }

                long t2 = Stopwatch.GetTimestamp();
                compressTicks += t1 - t0;
                decompressTicks += t2 - t1;
                total += length >= 0 ? length : pageSize;
            }

            c[k] = compressTicks * 1e9 / Stopwatch.Frequency / n;
            d[k] = decompressTicks * 1e9 / Stopwatch.Frequency / n;
            b[k] = (double)total / n;
            (codec as IDisposable)?.Dispose();
        }

        return new AdaptiveSelector(candidates.Select(s => s.ToString()).ToArray(), c, d, b, bandwidthBps, workers, sharedCores);
    }

    /// <summary>Pipelined nanoseconds per page for a candidate, by the current model.</summary>
    public double CostNs(int k)
    {
        lock (gate)
        {
            double cpu = compressNs[k] / Workers;
            double wire = (bytes[k] + RecordBytes) * 8 / BandwidthBps * 1e9;
            double target = compressNs[k] * decompressPerCompress[k] / Workers;
            double shared = SharedCores is { } cores ? compressNs[k] * (1 + decompressPerCompress[k]) / cores : 0;
            return Math.Max(Math.Max(cpu, shared), Math.Max(wire, target));
        }
    }

    /// <summary>The candidate for the next batch.</summary>
    public int Choose()
    {
        int best = 0;
        double bestCost = double.MaxValue;
        for (int k = 0; k < Names.Count; k++)
        {
            double cost = CostNs(k);
            if (cost < bestCost)
            {
                bestCost = cost;
                best = k;
            }
        }

        Interlocked.Increment(ref chosen[best]);
        return best;
    }

    /// <summary>Another candidate to measure on this batch's pages, or -1.</summary>
    public int Explore(int batch, int chosenIndex)
    {
        if (Names.Count < 2 || batch % ExploreEvery != ExploreEvery - 1)
        {
            return -1;
        }

        int k = Interlocked.Increment(ref explored) % (Names.Count - 1);
        return k >= chosenIndex ? k + 1 : k;
    }

    /// <summary>Feeds back what a batch cost: pages, Stopwatch ticks compressing, payload bytes.</summary>
    public void Observe(int k, int pages, long ticks, long payloadBytes)
    {
        if (pages == 0)
        {
            return;
        }

        double ns = ticks * 1e9 / Stopwatch.Frequency / pages;
        double b = (double)payloadBytes / pages - RecordBytes;
        lock (gate)
        {
            compressNs[k] += Alpha * (ns - compressNs[k]);
            bytes[k] += Alpha * (Math.Max(b, 0) - bytes[k]);
        }
    }
}
