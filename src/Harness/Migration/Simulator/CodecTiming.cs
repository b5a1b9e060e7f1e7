using Mecom.Codecs;
using Mecom.Codecs.Delta;
using Mecom.Codecs.Hashing;
using Mecom.Harness.Measure;

namespace Mecom.Harness.Migration.Simulator;

/// <summary>
/// The CPU prices of a cost table's page work, timed on the guest's own pages: each codec per page class,
/// and the steps every page takes whatever its codec (copy, hash, verify, delta, old-page cache).
/// </summary>
internal static class CodecTiming
{
    /// <summary>
    /// Fills <paramref name="compress"/> and <paramref name="decompress"/> with <paramref name="codec"/>'s mean
    /// nanoseconds per page of each class: from <paramref name="saved"/> where it holds the class, else timed here.
    /// </summary>
    public static void PerClass(IPageCodec codec, CostTable table, int passes, CodecRow? saved, double[] compress, double[] decompress)
    {
        byte[] output = new byte[table.PageSize];
        byte[] page = new byte[table.PageSize];
        WarmUp(() =>
        {
            foreach (int id in Sample(table.Classes, PageClass.Other).Concat(Sample(table.Classes, PageClass.WkdmFriendly)).Take(256))
            {
                int n = codec.Compress(table.Contents(id).Span, output);
                if (n >= 0)
                {
                    codec.Decompress(output.AsSpan(0, n), page);
                }
            }
        });
        foreach (PageClass c in PageClassifier.All)
        {
            if (saved?.ByClass?.GetValueOrDefault(PageClassifier.Key(c)) is { } row && row.CompressMBps.Median > 0)
            {
                compress[(int)c] = table.PageSize / row.CompressMBps.Median * 1e3;
                decompress[(int)c] = table.PageSize / row.DecompressMBps.Median * 1e3;
                continue;
            }

            int[] ids = Sample(table.Classes, c);
            if (ids.Length == 0)
            {
                continue;
            }

            byte[][] compressed = ids.Select(id => Compressed(codec, table.Contents(id).Span)).ToArray();
            compress[(int)c] = PassTimer.MedianNs(passes, ids.Length, () =>
            {
                foreach (int id in ids)
                {
                    codec.Compress(table.Contents(id).Span, output);
                }
            });
            // Pages that did not fit go raw (the target copies them, CopyNs): the mean is over the pages decoded.
            int decoded = compressed.Count(z => z.Length > 0);
            decompress[(int)c] = decoded == 0 ? 0 : PassTimer.MedianNs(passes, decoded, () =>
            {
                foreach (byte[] z in compressed)
                {
                    if (z.Length == 0)
                    {
                        continue;
                    }

                    codec.Decompress(z, page);
                }
            });
        }
    }

    /// <summary>Mean nanoseconds per page of the fixed steps, over the pages <paramref name="ids"/>.</summary>
    public static (double CopyHash, double Verify, double Copy, double DeltaEncode) PageWork(CostTable table, int[] ids, int passes)
    {
        byte[] page = new byte[table.PageSize];
        byte[] delta = new byte[table.PageSize];
        WarmUp(() =>
        {
            foreach (int id in ids)
            {
                table.Contents(id).Span.CopyTo(page);
                PageHash.Of(page, id);
                XbzrleDelta.Encode(page, table.Contents(ids[0]).Span, delta);
            }
        });
        double copyHash = PassTimer.MedianNs(passes, ids.Length, () =>
        {
            foreach (int id in ids)
            {
                table.Contents(id).Span.CopyTo(page);
                PageHash.Of(page, id);
            }
        });
        double verify = PassTimer.MedianNs(passes, ids.Length, () =>
        {
            foreach (int id in ids)
            {
                PageHash.Of(table.Contents(id).Span, id);
            }
        });
        double copy = PassTimer.MedianNs(passes, ids.Length, () =>
        {
            foreach (int id in ids)
            {
                table.Contents(id).Span.CopyTo(page);
            }
        });

        // Deltas between neighbouring pages stand for a page and its next version: their cost, not their size, is used.
        var lengths = new int[ids.Length];
        double deltaEncode = PassTimer.MedianNs(passes, ids.Length, () =>
        {
            for (int i = 0; i < ids.Length; i++)
            {
                lengths[i] = XbzrleDelta.Encode(table.Contents(ids[i]).Span, table.Contents(ids[(i + 1) % ids.Length]).Span, delta);
            }
        });
        return (copyHash, verify, copy, deltaEncode);
    }

    /// <summary>Mean nanoseconds per page a delta strategy's source spends on the old-page cache.</summary>
    public static double CachePutNs(CostTable table, int[] ids, int passes)
    {
        // A cache of 32 MiB at 4 KiB pages (a quarter of a 128 MiB guest, the default share), so the copies
        // land in memory as they do in a migration, not in a cache small enough to stay in the CPU's caches.
        // Pages are kept as the sender's codec encoded them; mecom's output stands for it (a hit's decode is
        // priced apart, at that codec's decompress price).
        using var cache = new Mecom.Codecs.Delta.PageCache(Math.Max(1, (32 << 20) / table.PageSize), table.PageSize);
        IPageCodec keeper = CodecRegistry.Create("mecom");
        byte[][] kept = ids.Select(id => Compressed(keeper, table.Contents(id).Span)).ToArray();
        long next = 0;
        double put = PassTimer.MedianNs(passes, ids.Length, () =>
        {
            for (int i = 0; i < ids.Length; i++)
            {
                long page = next++;
                cache.TryGet(page, out _);
                cache.Put(page, table.Contents(ids[i]).Span, kept[i], keeper);
            }
        });
        (keeper as IDisposable)?.Dispose();
        return put;
    }

    private static byte[] Compressed(IPageCodec codec, ReadOnlySpan<byte> page)
    {
        byte[] output = new byte[page.Length];
        int n = codec.Compress(page, output);
        return n < 0 ? [] : output[..n];
    }

    private static int[] Sample(byte[] classes, PageClass c)
    {
        var ids = new List<int>();
        for (int id = 0; id < classes.Length; id++)
        {
            if (classes[id] == (byte)c)
            {
                ids.Add(id);
            }
        }

        // Evenly spaced, so a class's pages from all over the image are timed, not its first few.
        int n = Math.Min(ids.Count, CostTable.TimedPagesPerClass);
        return Enumerable.Range(0, n).Select(i => ids[(int)((long)i * ids.Count / n)]).ToArray();
    }

    /// <summary>
    /// Runs <paramref name="pass"/> for at least 0.3 s, so the prices are those of the optimised code a
    /// migration runs, not of the first, unoptimised compile.
    /// </summary>
    private static void WarmUp(Action pass) => PassTimer.WarmUp(pass, 0.3);
}
