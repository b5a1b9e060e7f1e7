using System.Diagnostics;
using Mecom.Codecs;

namespace Mecom.Harness.Measure;

/// <summary>Per-pass timings of one codec over every page given, and what it made of them.</summary>
public sealed class CodecMeasurement(string codec)
{
    public string Codec { get; } = codec;

    public long Pages { get; set; }

    public long BytesIn { get; set; }

    /// <summary>Bytes out, a page that did not shrink counting as sent raw (its full size).</summary>
    public long BytesOut { get; set; }

    public long RawPages { get; set; }

    public List<double> CompressSeconds { get; } = [];

    public List<double> DecompressSeconds { get; } = [];

    public double Ratio => BytesOut == 0 ? 0 : (double)BytesIn / BytesOut;

    public IReadOnlyList<double> CompressMBps => CompressSeconds.Select(s => BytesIn / s / 1e6).ToArray();

    public IReadOnlyList<double> DecompressMBps => DecompressSeconds.Select(s => BytesIn / s / 1e6).ToArray();
}

/// <summary>
/// The lzbench method for pages: every codec compresses, then decompresses, every page on its own, in
/// memory; codecs take turns within each pass so drift on a busy machine hits all of them alike; every
/// pass verifies every page.
/// </summary>
public static class CodecRunner
{
    /// <param name="progress">Called after each (pass, codec) step with the step count done so far.</param>
    public static IReadOnlyList<CodecMeasurement> Run(
        IReadOnlyList<CodecSpec> codecs, IReadOnlyList<PageSet> sets, int passes, Action<int>? progress = null)
    {
        var results = codecs.Select(c => new CodecMeasurement(c.ToString())).ToArray();
        var instances = codecs.Select(CodecRegistry.Create).ToArray();
        byte[] compressed = new byte[sets.Max(s => s.Data.Length)];
        int[] lengths = new int[sets.Max(s => s.Count)];
        byte[] restored = new byte[sets.Max(s => s.Data.Length)];
        int step = 0;

        // Pass 0 is the warm-up: it fills the tiered JIT and the caches, and its sizes are the ones kept.
        for (int pass = 0; pass <= passes; pass++)
        {
            for (int c = 0; c < instances.Length; c++)
            {
                IPageCodec codec = instances[c];
                double compressTime = 0, decompressTime = 0;
                long bytesOut = 0, raw = 0, pages = 0, bytesIn = 0;
                foreach (PageSet set in sets)
                {
                    compressTime += CompressAll(codec, set, compressed, lengths, out long setOut, out long setRaw);
                    decompressTime += DecompressAll(codec, set, compressed, lengths, restored);
                    bytesOut += setOut;
                    raw += setRaw;
                    pages += set.Count;
                    bytesIn += set.Bytes;
                }

                if (pass == 0)
                {
                    results[c].Pages = pages;
                    results[c].BytesIn = bytesIn;
                    results[c].BytesOut = bytesOut;
                    results[c].RawPages = raw;
                }
                else
                {
                    results[c].CompressSeconds.Add(compressTime);
                    results[c].DecompressSeconds.Add(decompressTime);
                }

                progress?.Invoke(++step);
            }
        }

        foreach (IPageCodec codec in instances)
        {
            (codec as IDisposable)?.Dispose();
        }

        return results;
    }

    private static double CompressAll(IPageCodec codec, PageSet set, byte[] output, int[] lengths, out long bytesOut, out long rawPages)
    {
        int size = set.PageSize;
        long start = Stopwatch.GetTimestamp();
        for (int p = 0; p < set.Count; p++)
        {
            lengths[p] = codec.Compress(set.Data.AsSpan(p * size, size), output.AsSpan(p * size, size));
        }

        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        bytesOut = 0;
        rawPages = 0;
        for (int p = 0; p < set.Count; p++)
        {
            bool raw = lengths[p] == PageCodec.DidNotFit;
            bytesOut += raw ? size : lengths[p];
            rawPages += raw ? 1 : 0;
        }

        return seconds;
    }

    private static double DecompressAll(IPageCodec codec, PageSet set, byte[] input, int[] lengths, byte[] restored)
    {
        int size = set.PageSize;
        long start = Stopwatch.GetTimestamp();
        for (int p = 0; p < set.Count; p++)
        {
            int length = lengths[p];
            Span<byte> target = restored.AsSpan(p * size, size);
            if (length == PageCodec.DidNotFit)
            {
                // Sent raw: the receiver copies it, and so does the measurement.
                set.Data.AsSpan(p * size, size).CopyTo(target);
            }
            else
            {
                codec.Decompress(input.AsSpan(p * size, length), target);
            }
        }

        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;

        // Verified outside the clock, every pass.
        for (int p = 0; p < set.Count; p++)
        {
            if (!restored.AsSpan(p * size, size).SequenceEqual(set.Data.AsSpan(p * size, size)))
            {
                throw new InvalidOperationException($"{codec.Name}: page {p} of {set.Name} did not round-trip");
            }
        }

        return seconds;
    }
}
