using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Mecom.Codecs.Pages;

namespace Mecom.Codecs.WordPattern;

/// <summary>
/// WKdm (Wilson &amp; Kaplan): a word-pattern codec for memory pages. Format in <see cref="WkdmFormat"/>.
/// </summary>
/// <remarks>
/// Two phases each way. Encoding: the sequential dictionary loop (<see cref="WkdmModel.Classify{TSink}"/>)
/// writes unpacked tags, indices, low bits and miss words to scratch, then vector code packs them.
/// Decoding: vector code unpacks into scratch, then a branch-free loop rebuilds the words. Scratch is
/// sized once per page size, so nothing is allocated per page.
/// </remarks>
public sealed class WkdmCodec : IPageCodec
{
    // Unconditional writes and reads run one slot past the live data, and packing reads whole vectors.
    private const int Slack = 256;

    private readonly SimdTier tier;
    private int words;
    private byte[] tags = [];
    private byte[] indices = [];
    private uint[] lows = [];
    private uint[] misses = [];

    /// <summary>A codec on this machine's best vector tier.</summary>
    public WkdmCodec()
        : this(Simd.Best)
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

            BinaryPrimitives.WriteUInt64LittleEndian(destination, fill);
            return WkdmFormat.SingleValueBytes;
        }

        EnsureScratch(page.Length / 4);
        var sink = new PackingSink(tags, indices, lows, misses);
        WkdmModel.Classify(MemoryMarshal.Cast<byte, uint>(page), ref sink);

        int tagBytes = WkdmFormat.TagBytes(words);
        int missBytes = 4 * sink.Miss;
        int indexBytes = WkdmFormat.IndexAreaBytes(sink.Index);
        int lowBytes = WkdmFormat.LowAreaBytes(sink.Partial);
        int total = WkdmFormat.HeaderBytes + tagBytes + missBytes + indexBytes + lowBytes;
        if (total >= page.Length || total > destination.Length)
        {
            return PageCodec.DidNotFit;
        }

        int indexStart = WkdmFormat.HeaderBytes + tagBytes + missBytes;
        int lowStart = indexStart + indexBytes;
        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)indexStart / 4);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], (uint)lowStart / 4);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], (uint)total / 4);

        WkdmPacking.PackTags(tags.AsSpan(0, words), destination.Slice(WkdmFormat.HeaderBytes, tagBytes), tier);
        MemoryMarshal.AsBytes(misses.AsSpan(0, sink.Miss)).CopyTo(destination[(WkdmFormat.HeaderBytes + tagBytes)..]);

        // The loop wrote garbage one past each live run; padding must read as zero.
        indices.AsSpan(sink.Index, 8).Clear();
        WkdmPacking.PackIndices(indices, destination.Slice(indexStart, indexBytes), tier);
        lows.AsSpan(sink.Partial, 3).Clear();
        WkdmPacking.PackLows(lows, destination.Slice(lowStart, lowBytes), tier);
        return total;
    }

    public void Decompress(ReadOnlySpan<byte> source, Span<byte> page)
    {
        PageCodec.ValidatePageSize(page.Length);
        if (source.Length == WkdmFormat.SingleValueBytes)
        {
            SameFilledPage.Fill(page, BinaryPrimitives.ReadUInt64LittleEndian(source));
            return;
        }

        EnsureScratch(page.Length / 4);
        int tagBytes = WkdmFormat.TagBytes(words);
        int missStart = WkdmFormat.HeaderBytes + tagBytes;
        if (source.Length < missStart || (source.Length & 3) != 0)
        {
            throw Corrupt($"length {source.Length} is neither 8 nor a whole number of words of at least {missStart} bytes");
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private (int Miss, int Index, int Partial) Rebuild(Span<uint> output)
    {
        Span<uint> dictionary = stackalloc uint[16];
        dictionary.Fill(WkdmFormat.DictionaryInitialValue);
        ref uint dict = ref MemoryMarshal.GetReference(dictionary);
        ref byte tag = ref MemoryMarshal.GetArrayDataReference(tags);
        ref byte index = ref MemoryMarshal.GetArrayDataReference(indices);
        ref uint low = ref MemoryMarshal.GetArrayDataReference(lows);
        ref uint miss = ref MemoryMarshal.GetArrayDataReference(misses);
        ref uint dst = ref MemoryMarshal.GetReference(output);
        int m = 0, n = 0, p = 0;
        // Cursors only grow by one per word, and the scratch holds words + Slack entries, so even
        // hostile tags keep every read in bounds; the caller checks the final counts.
        for (int block = 0; block < words; block += 16)
        {
            if (Vector128.LoadUnsafe(ref tag, (nuint)block) == Vector128<byte>.Zero)
            {
                MemoryMarshal.AsBytes(output.Slice(block, 16)).Clear();
                continue;
            }

            for (int i = block; i < block + 16; i++)
            {
                uint t = Unsafe.Add(ref tag, i);
                uint isMiss = t == WkdmFormat.TagMiss ? 1u : 0u;
                uint isPartial = t == WkdmFormat.TagPartial ? 1u : 0u;
                uint full = Unsafe.Add(ref miss, m);
                uint h = isMiss != 0 ? WkdmFormat.Hash(full) : Unsafe.Add(ref index, n) & 0xFu;
                ref uint entry = ref Unsafe.Add(ref dict, h);
                uint d = entry;
                uint partial = (d & ~WkdmFormat.LowBitsMask) | Unsafe.Add(ref low, p);
                uint value = t == WkdmFormat.TagExact ? d : isPartial != 0 ? partial : full;
                value = t == WkdmFormat.TagZero ? 0 : value;
                entry = t == WkdmFormat.TagZero ? d : value;
                Unsafe.Add(ref dst, i) = value;
                m += (int)isMiss;
                n += (int)(t & 1);
                p += (int)isPartial;
            }
        }

        return (m, n, p);
    }

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
    }

    private CorruptPageException Corrupt(string problem) => new(Name, problem);

    private struct PackingSink(byte[] tags, byte[] indices, uint[] lows, uint[] misses) : IWkdmSink
    {
        private readonly byte[] tags = tags;
        private readonly byte[] indices = indices;
        private readonly uint[] lows = lows;
        private readonly uint[] misses = misses;
        public int Miss;
        public int Index;
        public int Partial;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void ZeroBlock(int firstWord) =>
            Vector128<byte>.Zero.StoreUnsafe(ref MemoryMarshal.GetArrayDataReference(tags), (nuint)firstWord);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Word(int i, uint tag, uint entry, uint word)
        {
            Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(tags), i) = (byte)tag;
            Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(misses), Miss) = word;
            Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(indices), Index) = (byte)entry;
            Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(lows), Partial) = word & WkdmFormat.LowBitsMask;
            Miss += tag == WkdmFormat.TagMiss ? 1 : 0;
            Index += (int)(tag & 1);
            Partial += tag == WkdmFormat.TagPartial ? 1 : 0;
        }
    }
}
