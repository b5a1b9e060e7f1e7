using Mecom.Codecs.WordPattern;
using Mecom.Harness.Measure;

namespace Mecom.Harness.Corpus;

/// <summary>What one corpus entry holds: page classes, entropy, WKdm sizes, and how fast it is dirtied.</summary>
public sealed record EntryStats
{
    public required string Name { get; init; }

    public required string Kind { get; init; }

    public long Pages { get; init; }

    public int PageSize { get; init; }

    /// <summary>Pages per class (<see cref="PageClassifier.Key"/>).</summary>
    public required IReadOnlyDictionary<string, long> Classes { get; init; }

    /// <summary>Shannon entropy of all the image's bytes, in bits per byte (0..8).</summary>
    public double ByteEntropy { get; init; }

    /// <summary>Mean entropy of the non-zero pages, each page on its own, bits per byte.</summary>
    public double MeanPageEntropy { get; init; }

    /// <summary>
    /// WKdm's exact output size of the pages that are neither zero nor same-filled, in buckets of an
    /// eighth of a page; the last bucket also holds pages WKdm cannot shrink.
    /// </summary>
    public required IReadOnlyList<long> WkdmSizeHistogram { get; init; }

    public required IReadOnlyList<EpochStats> Epochs { get; init; }
}

/// <param name="Epoch">1-based.</param>
/// <param name="DirtyPages">Pages that changed in the epoch.</param>
/// <param name="PagesPerSecond">Dirty pages over the epoch's length.</param>
/// <param name="PercentPerSecond">The same, as a share of the image.</param>
public sealed record EpochStats(int Epoch, long TimeMs, int DirtyPages, double PagesPerSecond, double PercentPerSecond);

public static class CorpusStats
{
    public const int Buckets = 8;

    /// <summary>Streams the image (and trace) once; memory stays at a page and an epoch.</summary>
    public static EntryStats Compute(CorpusEntry entry, Action<long>? pagesDone = null)
    {
        int size = entry.PageSize;
        var classes = PageClassifier.All.ToDictionary(PageClassifier.Key, _ => 0L);
        long[] histogram = new long[Buckets];
        long[] byteCounts = new long[256];
        double entropySum = 0;
        long nonZero = 0;
        byte[] page = new byte[size];
        long pages = 0;
        Span<long> local = stackalloc long[256];
        using (Stream image = entry.OpenImage())
        {
            // Stops at the pages the metadata claims: a small .zst can expand to far more than it says.
            while (pages < entry.Pages && ReadPage(image, page, entry.PagesPath, pages * size))
            {
                PageClass cls = PageClassifier.Classify(page);
                classes[PageClassifier.Key(cls)]++;
                local.Clear();
                foreach (byte b in page)
                {
                    local[b]++;
                }

                for (int b = 0; b < 256; b++)
                {
                    byteCounts[b] += local[b];
                }

                if (cls != PageClass.Zero)
                {
                    entropySum += Entropy(local, size);
                    nonZero++;
                }

                if (cls is PageClass.WkdmFriendly or PageClass.Other)
                {
                    int wk = WkdmModel.Analyze(page).Size;
                    histogram[Math.Min(Buckets - 1, wk * Buckets / size)]++;
                }

                if (++pages % 4096 == 0)
                {
                    pagesDone?.Invoke(pages);
                }
            }

            if (pages == entry.Pages && image.ReadByte() >= 0)
            {
                throw new CorpusFormatException(entry.PagesPath, pages * size, $"the image is longer than the {entry.Pages} pages the metadata says");
            }
        }

        if (pages != entry.Pages)
        {
            throw new CorpusFormatException(entry.PagesPath, pages * size, $"the image holds {pages} pages, the metadata says {entry.Pages}");
        }

        var epochs = new List<EpochStats>();
        if (entry.TracePath is not null)
        {
            long previous = 0;
            foreach (TraceEpoch epoch in TraceReader.ReadAll(entry))
            {
                double seconds = Math.Max(1, epoch.TimeMs - previous) / 1000.0;
                epochs.Add(new EpochStats(epoch.Number, epoch.TimeMs, epoch.Indices.Length, epoch.Indices.Length / seconds,
                    100.0 * epoch.Indices.Length / Math.Max(1, pages) / seconds));
                previous = epoch.TimeMs;
            }
        }

        pagesDone?.Invoke(pages);
        return new EntryStats
        {
            Name = entry.Name,
            Kind = entry.Meta.Kind,
            Pages = pages,
            PageSize = size,
            Classes = classes,
            ByteEntropy = Entropy(byteCounts, pages * size),
            MeanPageEntropy = nonZero == 0 ? 0 : entropySum / nonZero,
            WkdmSizeHistogram = histogram,
            Epochs = epochs,
        };
    }

    private static double Entropy(ReadOnlySpan<long> counts, long total)
    {
        if (total == 0)
        {
            return 0;
        }

        double h = 0;
        foreach (long c in counts)
        {
            if (c > 0)
            {
                double p = (double)c / total;
                h -= p * Math.Log2(p);
            }
        }

        return h;
    }

    private static bool ReadPage(Stream stream, byte[] page, string path, long offset)
    {
        int total = 0;
        int read;
        while (total < page.Length && (read = stream.Read(page, total, page.Length - total)) > 0)
        {
            total += read;
        }

        if (total != 0 && total != page.Length)
        {
            throw new CorpusFormatException(path, offset + total, $"the image ends inside a page ({total} of {page.Length} bytes)");
        }

        return total == page.Length;
    }
}

/// <summary>The file <c>mecom corpus stats --json</c> writes.</summary>
public sealed record CorpusStatsReport
{
    public int Schema { get; init; } = 1;

    public required Measure.Provenance Made { get; init; }

    public required IReadOnlyList<EntryStats> Entries { get; init; }
}
