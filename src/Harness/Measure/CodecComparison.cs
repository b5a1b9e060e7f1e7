using System.Diagnostics;
using Mecom.Codecs;

namespace Mecom.Harness.Measure;

/// <summary>
/// The lzbench method for pages. Every codec compresses, then decompresses, every page on its own, in
/// memory. Pages are grouped by corpus entry and page class and each group is timed on its own, so every
/// class gets its own speed. Codecs take turns inside each pass, so drift on a busy machine hits all of
/// them alike; pass 0 is an untimed warm-up; every pass verifies every page outside the clock.
/// </summary>
public static class CodecComparison
{
    /// <summary>Least time each codec runs before anything is recorded.</summary>
    public const double WarmupSeconds = 1.0;

    /// <param name="progress">Called after each (pass, codec) step with (steps done, steps planned so far).</param>
    public static ComparisonResult Run(IReadOnlyList<CodecSpec> codecs, IReadOnlyList<PageSet> sets, int passes,
        double minTimeSeconds, bool includeMemcpy, Action<int, int>? progress = null)
    {
        if (passes < 1)
        {
            throw new ArgumentException($"passes must be at least 1, got {passes}");
        }

        var names = codecs.Select(c => c.ToString()).ToList();
        var instances = codecs.Select(CodecRegistry.Create).ToList();
        if (includeMemcpy)
        {
            names.Add(MemcpyCodec.CodecName);
            instances.Add(new MemcpyCodec());
            names.Add(CalibrationCodec.CodecName);
            instances.Add(new CalibrationCodec());
        }

        // groups[s][k]: the pages of entry s in class k, copied together.
        var groups = sets.Select(SplitByClass).ToArray();
        var cells = new Cell[instances.Count, sets.Count, PageClassifier.All.Count];
        for (int c = 0; c < instances.Count; c++)
        {
            for (int s = 0; s < sets.Count; s++)
            {
                for (int k = 0; k < PageClassifier.All.Count; k++)
                {
                    cells[c, s, k] = new Cell(groups[s][k]?.Count ?? 0, groups[s][k]?.Bytes ?? 0);
                }
            }
        }

        int largest = sets.Max(s => s.Data.Length);
        var buffers = new Buffers(new byte[largest], new int[largest / sets.Min(s => s.PageSize)], new byte[largest]);

        // Warm up every codec for a while, not for a number of passes: the runtime promotes hot methods to
        // optimized code only after they have run for some time, and a small corpus passes in milliseconds.
        // Without this a codec measured alone was timed on unoptimized code, far below its real speed.
        foreach (IPageCodec codec in instances)
        {
            PassTimer.WarmUp(() =>
            {
                foreach (PageSet? group in groups.SelectMany(g => g))
                {
                    if (group is not null)
                    {
                        Measure(codec, group, buffers);
                    }
                }
            }, WarmupSeconds);
        }

        var clock = Stopwatch.StartNew();
        int step = 0;
        for (int pass = 0; pass <= passes || (clock.Elapsed.TotalSeconds < minTimeSeconds && pass <= 10_000); pass++)
        {
            for (int c = 0; c < instances.Count; c++)
            {
                for (int s = 0; s < sets.Count; s++)
                {
                    for (int k = 0; k < PageClassifier.All.Count; k++)
                    {
                        if (groups[s][k] is { } group)
                        {
                            cells[c, s, k].Record(pass, Measure(instances[c], group, buffers));
                        }
                    }
                }

                int planned = Math.Max(passes + 1, pass + 1) * instances.Count;
                progress?.Invoke(++step, planned);
            }
        }

        foreach (IPageCodec codec in instances)
        {
            (codec as IDisposable)?.Dispose();
        }

        var settings = new ComparisonSettings(names, passes, minTimeSeconds, sets[0].PageSize);
        var rows = names.Select((name, c) => Row(name, Enumerable.Range(0, sets.Count).Select(s => (c, s)), cells)).ToArray();
        IReadOnlyDictionary<string, IReadOnlyList<CodecRow>>? byCorpus = sets.Count < 2 ? null :
            sets.Select((set, s) => (set.Name, Rows: (IReadOnlyList<CodecRow>)names.Select((name, c) => Row(name, [(c, s)], cells)).ToArray()))
                .ToDictionary(x => x.Name, x => x.Rows);
        Provenance made = Provenance.Here();
        return new ComparisonResult
        {
            Made = made,
            Machine = made.Machine,
            Settings = settings,
            Corpus = sets.Select(s => new CorpusInfo(s.Name, s.Count)).ToArray(),
            Results = rows,
            ByCorpus = byCorpus,
        };
    }

    internal static PageSet?[] SplitByClass(PageSet set)
    {
        var members = PageClassifier.All.Select(_ => new List<int>()).ToArray();
        for (int p = 0; p < set.Count; p++)
        {
            members[(int)PageClassifier.Classify(set.Page(p))].Add(p);
        }

        return members.Select((pages, k) =>
        {
            if (pages.Count == 0)
            {
                return null;
            }

            byte[] data = new byte[pages.Count * set.PageSize];
            for (int i = 0; i < pages.Count; i++)
            {
                set.Page(pages[i]).CopyTo(data.AsSpan(i * set.PageSize));
            }

            return new PageSet($"{set.Name}/{PageClassifier.Key(PageClassifier.All[k])}", data, set.PageSize);
        }).ToArray();
    }

    private static CodecRow Row(string name, IEnumerable<(int Codec, int Set)> scope, Cell[,,] cells)
    {
        var parts = scope.SelectMany(x => Enumerable.Range(0, PageClassifier.All.Count).Select(k => (x.Codec, x.Set, k))).ToArray();
        var byClass = PageClassifier.All
            .Select((cls, k) => (cls, Cells: parts.Where(p => p.k == k).Select(p => cells[p.Codec, p.Set, p.k]).Where(c => c.Pages > 0).ToArray()))
            .Where(x => x.Cells.Length > 0)
            .ToDictionary(x => PageClassifier.Key(x.cls), x => Sum(name, x.Cells, null));
        return Sum(name, parts.Select(p => cells[p.Codec, p.Set, p.k]).Where(c => c.Pages > 0).ToArray(), byClass);
    }

    private static CodecRow Sum(string name, Cell[] parts, IReadOnlyDictionary<string, CodecRow>? byClass)
    {
        long bytesIn = parts.Sum(p => p.BytesIn);
        int passes = parts.Length == 0 ? 0 : parts.Min(p => p.CompressSeconds.Count);
        double[] compress = Enumerable.Range(0, passes).Select(i => bytesIn / parts.Sum(p => p.CompressSeconds[i]) / 1e6).ToArray();
        double[] decompress = Enumerable.Range(0, passes).Select(i => bytesIn / parts.Sum(p => p.DecompressSeconds[i]) / 1e6).ToArray();
        return new CodecRow
        {
            Codec = name,
            Pages = parts.Sum(p => p.Pages),
            BytesIn = bytesIn,
            BytesOut = parts.Sum(p => p.BytesOut),
            RawPages = parts.Sum(p => p.RawPages),
            CompressMBps = Statistics.Summarize(compress),
            DecompressMBps = Statistics.Summarize(decompress),
            ByClass = byClass,
        };
    }

    private static Timing Measure(IPageCodec codec, PageSet set, Buffers buffers)
    {
        int size = set.PageSize;
        byte[] data = set.Data;
        byte[] output = buffers.Compressed;
        int[] lengths = buffers.Lengths;

        long start = Stopwatch.GetTimestamp();
        for (int p = 0; p < set.Count; p++)
        {
            lengths[p] = codec.Compress(data.AsSpan(p * size, size), output.AsSpan(p * size, size));
        }

        double compressSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;

        start = Stopwatch.GetTimestamp();
        for (int p = 0; p < set.Count; p++)
        {
            Span<byte> target = buffers.Restored.AsSpan(p * size, size);
            if (lengths[p] == PageCodec.DidNotFit)
            {
                // Sent raw: the receiver copies it, and so does the measurement.
                data.AsSpan(p * size, size).CopyTo(target);
            }
            else
            {
                codec.Decompress(output.AsSpan(p * size, lengths[p]), target);
            }
        }

        double decompressSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;

        long bytesOut = 0, raw = 0;
        for (int p = 0; p < set.Count; p++)
        {
            if (!buffers.Restored.AsSpan(p * size, size).SequenceEqual(data.AsSpan(p * size, size)))
            {
                throw new InvalidOperationException($"{codec.Name}: page {p} of {set.Name} did not round-trip");
            }

            bool sentRaw = lengths[p] == PageCodec.DidNotFit;
            bytesOut += sentRaw ? size : lengths[p];
            raw += sentRaw ? 1 : 0;
        }

        return new Timing(compressSeconds, decompressSeconds, bytesOut, raw);
    }

    private sealed record Buffers(byte[] Compressed, int[] Lengths, byte[] Restored);

    private readonly record struct Timing(double CompressSeconds, double DecompressSeconds, long BytesOut, long RawPages);

    /// <summary>One codec on one group of pages: sizes from the warm-up pass, times from the others.</summary>
    private sealed class Cell(long pages, long bytesIn)
    {
        public long Pages { get; } = pages;

        public long BytesIn { get; } = bytesIn;

        public long BytesOut { get; private set; }

        public long RawPages { get; private set; }

        public List<double> CompressSeconds { get; } = [];

        public List<double> DecompressSeconds { get; } = [];

        public void Record(int pass, Timing timing)
        {
            if (pass == 0)
            {
                BytesOut = timing.BytesOut;
                RawPages = timing.RawPages;
                return;
            }

            if (timing.BytesOut != BytesOut)
            {
                throw new InvalidOperationException($"output size changed between passes ({BytesOut} then {timing.BytesOut} bytes): the codec is not deterministic");
            }

            CompressSeconds.Add(timing.CompressSeconds);
            DecompressSeconds.Add(timing.DecompressSeconds);
        }
    }
}
