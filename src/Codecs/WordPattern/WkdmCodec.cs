using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Mecom.Codecs.Pages;
using Mecom.Codecs.Simd;

namespace Mecom.Codecs.WordPattern;

/// <summary>
/// WKdm (Wilson &amp; Kaplan): a word-pattern codec for memory pages. Format in <see cref="WkdmFormat"/>.
/// </summary>
/// <remarks>
/// Encoding: tag every word (<see cref="WkdmClassifier"/>: a minimal dictionary loop, the rest in vectors),
/// gather the streams with vector compaction, pack them (<see cref="WkdmPacking"/>). Decoding: unpack,
/// spread the streams back to their words (<see cref="WkdmExpand"/>), run a four-instruction dictionary
/// loop. Scratch is sized once per page size, so nothing is allocated per page. Every vector step has a
/// scalar twin, chosen by the tier the codec is built with.
/// </remarks>
public sealed class WkdmCodec : IPageCodec
{
    // Vector stores and loads run up to 16 entries past the live data, and packing reads whole vectors.
    private const int Slack = 256;

    private readonly SimdTier tier;
    private int words;
    private byte[] tags = [];
    private byte[] indices = [];
    private uint[] lows = [];
    private uint[] misses = [];
    private uint[] slots = [];
    private uint[] previous = [];
    
    /// <summary>A codec on this machine's best vector tier.</summary>
    public WkdmCodec()
        : this(SimdTiers.Best)
    {
    }

    /// <summary>A codec whose packing runs on <paramref name="tier"/> (tests compare tiers).</summary>
    internal WkdmCodec(SimdTier tier)
    {
        this.tier = tier;
    }

    public string Name => "wkdm";

    public int Compress(ReadOnlySpan<byte> page, Span<byte> destination)
    {
        PageCodec.ValidatePageSize(page.Length);
        if (SameFilledPage.TryGetFillValue(page, out ulong fill))
        {
            if (destination.Length < WkdmFormat.SingleValueBytes)
            {
                return PageCodec.DidNotFit;
            }

            BinaryPrimitives.WriteUInt32LittleEndian(destination, 0);
            BinaryPrimitives.WriteUInt64LittleEndian(destination[4..], fill);
            return WkdmFormat.SingleValueBytes;
        }

        EnsureScratch(page.Length / 4);
        ReadOnlySpan<uint> pageWords = MemoryMarshal.Cast<byte, uint>(page);
        WkdmClassifier.Tags(pageWords, tags, slots, previous, tier);

        // The size follows from the tag counts: a page that will not fit costs no gathering or packing
        // (the MECOM selector relies on this by offering a destination cut to its threshold).
        (int exactCount, int partialCount, int missCount) = WkdmClassifier.Count(tags.AsSpan(0, words), tier);
        int indexCount = exactCount + partialCount;
        int tagBytes = WkdmFormat.TagBytes(words);
        int missBytes = 4 * missCount;
        int indexBytes = WkdmFormat.IndexAreaBytes(indexCount);
        int lowBytes = WkdmFormat.LowAreaBytes(partialCount);
        int total = WkdmFormat.HeaderBytes + tagBytes + missBytes + indexBytes + lowBytes;
        if (total >= page.Length || total > destination.Length)
        {
            return PageCodec.DidNotFit;
        }

        (int gatheredMisses, int gatheredIndices, int gatheredPartials) = WkdmClassifier.Gather(pageWords, tags, misses, indices, lows, tier);
        System.Diagnostics.Debug.Assert((gatheredMisses, gatheredIndices, gatheredPartials) == (missCount, indexCount, partialCount));

        int indexStart = WkdmFormat.HeaderBytes + tagBytes + missBytes;
        int lowStart = indexStart + indexBytes;
        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)indexStart / 4);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], (uint)lowStart / 4);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], (uint)total / 4);

        WkdmPacking.PackTags(tags.AsSpan(0, words), destination.Slice(WkdmFormat.HeaderBytes, tagBytes), tier);
        MemoryMarshal.AsBytes(misses.AsSpan(0, missCount)).CopyTo(destination[(WkdmFormat.HeaderBytes + tagBytes)..]);

        // Gathering stores whole vectors past each live run; padding must read as zero.
        indices.AsSpan(indexCount, 8).Clear();
        WkdmPacking.PackIndices(indices, destination.Slice(indexStart, indexBytes), tier);
        lows.AsSpan(partialCount, 3).Clear();
        WkdmPacking.PackLows(lows, destination.Slice(lowStart, lowBytes), tier);
        return total;
    }

    public void Decompress(ReadOnlySpan<byte> source, Span<byte> page)
    {
        PageCodec.ValidatePageSize(page.Length);
        if (source.Length == WkdmFormat.SingleValueBytes)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(source) != 0)
            {
                throw Corrupt("a 12-byte input must be a single-value page, which starts with a zero word");
            }

            SameFilledPage.Fill(page, BinaryPrimitives.ReadUInt64LittleEndian(source[4..]));
            return;
        }

        EnsureScratch(page.Length / 4);
        int tagBytes = WkdmFormat.TagBytes(words);
        int missStart = WkdmFormat.HeaderBytes + tagBytes;
        if (source.Length < missStart || (source.Length & 3) != 0)
        {
            throw Corrupt($"length {source.Length} is neither 12 nor a whole number of words of at least {missStart} bytes");
        }

        long indexStart = 4L * BinaryPrimitives.ReadUInt32LittleEndian(source);
        long lowStart = 4L * BinaryPrimitives.ReadUInt32LittleEndian(source[4..]);
        long end = 4L * BinaryPrimitives.ReadUInt32LittleEndian(source[8..]);
        if (end != source.Length || indexStart < missStart || lowStart < indexStart || end < lowStart)
        {
            throw Corrupt($"header offsets index={indexStart} low={lowStart} end={end} do not fit a {source.Length}-byte input");
        }

        int missCount = (int)(indexStart - missStart) / 4;
        int indexBytes = (int)(lowStart - indexStart);
        int lowBytes = (int)(end - lowStart);
        if (missCount > words || indexBytes > WkdmFormat.IndexAreaBytes(words) || lowBytes > WkdmFormat.LowAreaBytes(words))
        {
            throw Corrupt("an area is larger than a page of words can need");
        }

        WkdmPacking.UnpackTags(source.Slice(WkdmFormat.HeaderBytes, tagBytes), tags, tier);
        MemoryMarshal.Cast<byte, uint>(source.Slice(missStart, 4 * missCount)).CopyTo(misses);
        WkdmPacking.UnpackIndices(source.Slice((int)indexStart, indexBytes), indices, tier);
        WkdmPacking.UnpackLows(source.Slice((int)lowStart, lowBytes), lows, tier);

        (int missUsed, int indexUsed, int partialUsed) = Rebuild(MemoryMarshal.Cast<byte, uint>(page));

        // Counts implied by the tags must match the areas exactly; otherwise the reads above ran on padding.
        if (missUsed != missCount || WkdmFormat.IndexAreaBytes(indexUsed) != indexBytes
            || WkdmFormat.LowAreaBytes(partialUsed) != lowBytes)
        {
            throw Corrupt($"tags call for {missUsed} full words, {indexUsed} indices and {partialUsed} low-bit values, "
                + $"but the areas hold {missCount} words, {indexBytes} and {lowBytes} bytes");
        }
    }

    /// <summary>
    /// Rebuilds the words from the unpacked streams, 16 words at a time, in two steps. First the
    /// dictionary-free parts are put in place with vector shuffles (<see cref="WkdmExpand"/>): each miss
    /// word at its position, each word's dictionary slot (its index, or the hash of its miss word), each
    /// partial word's low bits. Then a short scalar loop runs the dictionary, the only truly sequential part.
    /// </summary>
    private (int Miss, int Index, int Partial) Rebuild(Span<uint> output) =>
        tier == SimdTier.Scalar ? RebuildScalar(output) : RebuildVector(output);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private unsafe (int Miss, int Index, int Partial) RebuildVector(Span<uint> output)
    {
        uint* dict = stackalloc uint[WkdmFormat.SlotsWithSpare];
        uint* slots = stackalloc uint[16];
        uint* entryMasks = stackalloc uint[16];
        new Span<uint>(dict, WkdmFormat.SlotsWithSpare).Fill(WkdmFormat.DictionaryInitialValue);

        fixed (byte* tagStart = tags)
        fixed (byte* index = indices)
        fixed (uint* low = lows)
        fixed (uint* miss = misses)
        fixed (uint* dstStart = output)
        {
            var expand = new WkdmExpand(miss, index, low);
            byte* tag = tagStart;
            uint* dst = dstStart;
            uint* end = dstStart + words;
            // Cursors grow by at most 16 per block and the scratch holds words + Slack entries, so even
            // hostile tags keep every read in bounds; the caller checks the final counts.
            for (; dst < end; dst += 16, tag += 16)
            {
                if (!expand.Block(tag, dst, slots, entryMasks))
                {
                    continue;
                }

                for (int i = 0; i < 16; i++)
                {
                    // Slots are 0..16 by construction; the clamp (a conditional move) keeps the raw-pointer
                    // dictionary in bounds even if a vector expansion step were ever wrong on some CPU.
                    uint h = Math.Min(slots[i], WkdmFormat.SpareSlot);
                    uint value = (dict[h] & entryMasks[i]) | dst[i];
                    dict[h] = value;
                    dst[i] = value;
                }
            }

            return expand.Counts;
        }
    }

    /// <summary>The scalar twin: the same words, one at a time, with the same branch-free selection.</summary>
    private unsafe (int Miss, int Index, int Partial) RebuildScalar(Span<uint> output)
    {
        uint* dict = stackalloc uint[16];
        new Span<uint>(dict, 16).Fill(WkdmFormat.DictionaryInitialValue);

        fixed (ulong* select = SelectMasks)
        fixed (byte* tag = tags)
        fixed (byte* index = indices)
        fixed (uint* low = lows)
        fixed (uint* miss = misses)
        fixed (uint* dst = output)
        {
            int m = 0, n = 0, p = 0;
            for (int i = 0; i < words; i++)
            {
                uint t = tag[i];
                uint isMiss = t == WkdmFormat.TagMiss ? 1u : 0u;
                uint isPartial = t == WkdmFormat.TagPartial ? 1u : 0u;
                uint full = miss[m] & (0u - isMiss);
                uint h = isMiss != 0 ? WkdmFormat.Hash(full) : index[n] & (0u - (t & 1)) & 0xFu;
                ulong masks = select[t];
                uint d = dict[h];
                uint value = (d & (uint)masks) | (low[p] & (0u - isPartial)) | full;
                dict[h] = value | (d & (uint)(masks >> 32));
                dst[i] = value;
                m += (int)isMiss;
                n += (int)(t & 1);
                p += (int)isPartial;
            }

            return (m, n, p);
        }
    }

    // Per tag: low half masks the dictionary entry into the value, high half keeps the entry unchanged.
    // ZERO keeps it; PARTIAL takes its high 22 bits; MISS takes nothing (its word is already in place);
    // EXACT takes all of it.
    private static ReadOnlySpan<ulong> SelectMasks =>
    [
        0xFFFFFFFF_00000000UL,
        ~WkdmFormat.LowBitsMask,
        0,
        0xFFFFFFFFUL,
    ];

    private void EnsureScratch(int pageWords)
    {
        if (pageWords == words)
        {
            return;
        }

        words = pageWords;
        tags = new byte[pageWords + Slack];
        indices = new byte[pageWords + Slack];
        lows = new uint[pageWords + Slack];
        misses = new uint[pageWords + Slack];
        slots = new uint[pageWords + Slack];
        previous = new uint[pageWords + Slack];
    }

    private CorruptPageException Corrupt(string problem) => new(Name, problem);
}
