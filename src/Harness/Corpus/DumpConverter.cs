using System.Text.Json;
using ZstdSharp;

namespace Mecom.Harness.Corpus;

/// <summary>
/// Turns consecutive full memory dumps (guest-physical, as QEMU's <c>pmemsave</c> writes them) into a
/// corpus entry: dump 0 is the image, and epoch k holds the pages that differ between dump k-1 and
/// dump k, with their contents in dump k. The result is checked by replaying it against the dumps.
/// </summary>
public static class DumpConverter
{
    private const int PageSize = 4096;

    /// <param name="dumps">Dump files, in order.</param>
    /// <param name="timesMs">Time of each dump after dump 0, in ms of guest run time (timesMs[0] = 0).</param>
    public static IReadOnlyList<int> Convert(IReadOnlyList<string> dumps, IReadOnlyList<long> timesMs, string stem, object meta)
    {
        if (dumps.Count == 0 || dumps.Count != timesMs.Count)
        {
            throw new ArgumentException("one time per dump, and at least one dump");
        }

        long length = new FileInfo(dumps[0]).Length;
        if (length % PageSize != 0 || dumps.Any(d => new FileInfo(d).Length != length))
        {
            throw new ArgumentException("dumps must all have the same length, a whole number of 4 KiB pages");
        }

        long pages = length / PageSize;
        using var files = new EntryFiles(stem);
        using (var image = new CompressionStream(File.Create(files.Pages), 12, 0, leaveOpen: false))
        using (var first = File.OpenRead(dumps[0]))
        {
            first.CopyTo(image);
        }

        var dirty = new List<int>();
        if (dumps.Count > 1)
        {
            using var trace = new TraceWriter(files.Trace, PageSize, pages, dumps.Count - 1, zstd: true);
            byte[] a = new byte[PageSize];
            byte[] b = new byte[PageSize];
            for (int k = 1; k < dumps.Count; k++)
            {
                using var previous = new FileStream(dumps[k - 1], FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
                using var current = new FileStream(dumps[k], FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
                var indices = new List<uint>();
                var contents = new MemoryStream();
                for (uint p = 0; p < pages; p++)
                {
                    previous.ReadExactly(a);
                    current.ReadExactly(b);
                    if (!a.AsSpan().SequenceEqual(b))
                    {
                        indices.Add(p);
                        contents.Write(b);
                    }
                }

                trace.Write(timesMs[k], indices, contents.GetBuffer().AsSpan(0, (int)contents.Length));
                dirty.Add(indices.Count);
            }
        }

        files.Commit(meta);
        Verify(stem, dumps);
        return dirty;
    }

    /// <summary>Applying epochs 1..k to the image must give dump k, byte for byte, for every k.</summary>
    private static void Verify(string stem, IReadOnlyList<string> dumps)
    {
        CorpusEntry entry = CorpusEntry.Open(stem);
        byte[] memory = entry.ReadAllPages();
        if (!memory.AsSpan().SequenceEqual(File.ReadAllBytes(dumps[0])))
        {
            throw new InvalidOperationException("the written image differs from dump 0");
        }

        int k = 0;
        foreach (TraceEpoch epoch in entry.TracePath is null ? [] : TraceReader.ReadAll(entry))
        {
            k++;
            for (int i = 0; i < epoch.Indices.Length; i++)
            {
                epoch.Page(i, PageSize).CopyTo(memory.AsSpan((int)epoch.Indices[i] * PageSize));
            }

            if (!memory.AsSpan().SequenceEqual(File.ReadAllBytes(dumps[k])))
            {
                throw new InvalidOperationException($"replaying epochs 1..{k} does not give dump {k}");
            }
        }
    }
}
