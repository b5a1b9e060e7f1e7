using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace Mecom.Codecs.General;

/// <summary>
/// Raw-content zstd dictionaries: some of the guest's own pages, concatenated, as history every page can
/// match against. zstd takes bytes that do not begin with its dictionary magic as raw content.
/// </summary>
public static class RawDictionary
{
    /// <summary>A trained zstd dictionary starts with this; raw content must not.</summary>
    public const uint ZstdMagic = 0xEC30A437;

    // 8-byte shingles at every 4th byte: page contents (pointers, headers, strings in structs) repeat
    // at word alignment, and a quarter of the offsets keeps a 4,000-page sample under a second.
    private const int ShingleBytes = 8;
    private const int ShingleStep = 4;
    // 4 Mi counters: a few thousand pages hold a few million distinct shingles, so collisions merge few.
    private const int HashBits = 22;

    /// <summary>Evenly spaced pages of <paramref name="pages"/>, as many as fit in <paramref name="capacity"/> bytes.</summary>
    public static byte[] Evenly(IReadOnlyList<byte[]> pages, int capacity)
    {
        int take = Fit(pages, capacity);
        return Concatenate(Enumerable.Range(0, take).Select(i => pages[(int)((long)i * pages.Count / take)]).ToList());
    }

    /// <summary>
    /// The pages of <paramref name="pages"/> that share the most content with the others, as many as fit in
    /// <paramref name="capacity"/> bytes, in their original order (neighbours compress better together on
    /// the wire). Greedy maximum coverage, as zstd's COVER trainer does for segments but at page
    /// granularity: each page is worth the number of other sample pages each of its not yet covered
    /// shingles appears in; the best page is taken, its shingles are covered, and the rest are re-scored
    /// lazily. A page that is nothing but its own (random, compressed) adds nothing and is taken last;
    /// duplicates are taken once.
    /// </summary>
    /// <remarks>
    /// Whole pages rather than segments: measured on the shipped corpus at level 9, a 2 MiB dictionary of
    /// pages picked this way buys 1.21-1.23x over page-by-page zstd:1 with the selector in front, evenly
    /// spaced pages 1.19x, and zstd's trained dictionaries (segments) 1.12x.
    /// </remarks>
    public static byte[] Covering(IReadOnlyList<byte[]> pages, int capacity)
    {
        int want = Fit(pages, capacity);
        var seen = new HashSet<ulong>();
        var candidates = Enumerable.Range(0, pages.Count).Where(i => seen.Add(XxHash3.HashToUInt64(pages[i]))).ToArray();
        var shingles = new int[candidates.Length][];
        var frequency = new ushort[1 << HashBits];
        for (int c = 0; c < candidates.Length; c++)
        {
            shingles[c] = DistinctShingles(pages[candidates[c]]);
            foreach (int h in shingles[c])
            {
                frequency[h] = (ushort)Math.Min(ushort.MaxValue, frequency[h] + 1);
            }
        }

        var covered = new bool[1 << HashBits];
        long Gain(int c)
        {
            long gain = 0;
            foreach (int h in shingles[c])
            {
                gain += covered[h] ? 0 : frequency[h] - 1;
            }

            return gain;
        }

        // Gains only fall as shingles get covered, so a page whose re-scored gain still tops the queue is best.
        var queue = new PriorityQueue<int, (long NegativeGain, int Index)>();
        for (int c = 0; c < candidates.Length; c++)
        {
            queue.Enqueue(c, (-Gain(c), c));
        }

        var chosen = new List<int>(want);
        while (chosen.Count < want && queue.TryDequeue(out int c, out var stale))
        {
            long gain = Gain(c);
            if (gain < -stale.NegativeGain && queue.TryPeek(out _, out var next) && -next.NegativeGain > gain)
            {
                queue.Enqueue(c, (-gain, c));
                continue;
            }

            chosen.Add(candidates[c]);
            foreach (int h in shingles[c])
            {
                covered[h] = true;
            }
        }

        chosen.Sort();
        return Concatenate(chosen.Select(i => pages[i]).ToList());
    }

    private static int Fit(IReadOnlyList<byte[]> pages, int capacity)
    {
        if (pages.Count == 0 || pages[0].Length < ShingleBytes)
        {
            throw new ArgumentException("a raw-content dictionary needs at least one page of 8 bytes or more", nameof(pages));
        }

        return Math.Max(1, Math.Min(pages.Count, capacity / pages[0].Length));
    }

    private static int[] DistinctShingles(byte[] page)
    {
        var hashes = new int[(page.Length - ShingleBytes) / ShingleStep + 1];
        for (int i = 0; i < hashes.Length; i++)
        {
            ulong word = MemoryMarshal.Read<ulong>(page.AsSpan(i * ShingleStep));
            hashes[i] = (int)((word * 0x9E3779B97F4A7C15UL) >> (64 - HashBits));
        }

        Array.Sort(hashes);
        int distinct = 0;
        for (int i = 0; i < hashes.Length; i++)
        {
            if (i == 0 || hashes[i] != hashes[i - 1])
            {
                hashes[distinct++] = hashes[i];
            }
        }

        return hashes[..distinct];
    }

    private static byte[] Concatenate(List<byte[]> chosen)
    {
        // A first page that happened to begin with the magic would make zstd parse it as a trained dictionary.
        int safe = chosen.FindIndex(p => p.Length < 4 || BinaryPrimitives.ReadUInt32LittleEndian(p) != ZstdMagic);
        if (safe > 0)
        {
            (chosen[0], chosen[safe]) = (chosen[safe], chosen[0]);
        }

        return chosen.SelectMany(p => p).ToArray();
    }
}
