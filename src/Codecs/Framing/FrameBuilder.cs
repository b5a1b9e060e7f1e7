using System.Diagnostics;
using Mecom.Codecs.Delta;
using Mecom.Codecs.Hashing;

namespace Mecom.Codecs.Framing;

/// <summary>What one built frame holds, by how each page went.</summary>
public struct FrameStats
{
    /// <summary>The most record classes (<see cref="IRecordClasses"/>) a frame counts.</summary>
    public const int MaxRecordClasses = 8;

    public int Pages;
    public int Raw;
    public int Compressed;
    public int Delta;

    /// <summary>Compressed pages per record class, when the codec has classes.</summary>
    public RecordClassCounts Classes;

    /// <summary>Stopwatch ticks spent copying, compressing and hashing.</summary>
    public long Ticks;

    public void Add(in FrameStats other)
    {
        Pages += other.Pages;
        Raw += other.Raw;
        Compressed += other.Compressed;
        Delta += other.Delta;
        for (int c = 0; c < MaxRecordClasses; c++)
        {
            Classes[c] += other.Classes[c];
        }

        Ticks += other.Ticks;
    }
}

/// <summary>Pages per record class, inline so that a frame's statistics allocate nothing.</summary>
[System.Runtime.CompilerServices.InlineArray(FrameStats.MaxRecordClasses)]
public struct RecordClassCounts
{
    private int first;
}

/// <summary>
/// Builds one batch frame (<see cref="BatchFrame"/>) at a time into a buffer it owns and reuses: the unit
/// of work of one compressing thread. Each page is first copied out of the memory, so a guest writing a
/// page while it is being sent cannot make the hash disagree with the payload (the write leaves the page
/// dirty, and it is sent again). Nothing is allocated per page or per frame.
/// </summary>
public sealed class FrameBuilder
{
    /// <summary>Longest codec name a frame header can carry.</summary>
    public const int MaxCodecName = 255;

    private readonly byte[] frame;
    private readonly byte[] copies;
    private readonly int copiesOffset;
    private readonly byte[] scratch;
    private PageCache.Reader? reader;

    public FrameBuilder(int pageSize, int batchPages)
    {
        PageCodec.ValidatePageSize(pageSize);
        if (batchPages is < 1 or > 1 << 16)
        {
            throw new ArgumentOutOfRangeException(nameof(batchPages), batchPages, "batches hold 1..65536 pages");
        }

        long frameBytes = BatchFrame.MaxBytes(new string('x', MaxCodecName), pageSize, batchPages);
        if (frameBytes > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(batchPages), batchPages, $"a batch of {batchPages} pages of {pageSize} bytes needs a frame of {frameBytes:N0} bytes, more than one array holds");
        }

        PageSize = pageSize;
        BatchPages = batchPages;
        frame = new byte[frameBytes];
        // Pages copied to a 64-byte boundary, as guest pages are: a vector load that splits a cache line
        // costs twice, and where an unaligned buffer lands varies from run to run, making speed bimodal.
        copies = GC.AllocateUninitializedArray<byte>(checked((batchPages * pageSize) + 64), pinned: true);
        copiesOffset = AlignmentOffset(copies);
        scratch = new byte[pageSize];
    }

    public int PageSize { get; }

    public int BatchPages { get; }

    /// <summary>The last frame built; valid until the next <see cref="Build"/>.</summary>
    public ReadOnlyMemory<byte> Frame { get; private set; }

    /// <summary>
    /// Builds a frame of the pages of <paramref name="memory"/> named by <paramref name="indices"/> (at most
    /// <see cref="BatchPages"/>), in that order. With a <paramref name="cache"/>, a page whose previous
    /// version is cached goes as an XBZRLE delta when that beats <paramref name="codec"/>, and every page
    /// sent is put in the cache; builders on several threads may share it (each reads through its own reader).
    /// A page whose compressed output exceeds <paramref name="rawAbove"/> of the page goes raw: the target
    /// copies it instead of decoding it, for a few bytes more.
    /// </summary>
    public FrameStats Build(ReadOnlySpan<byte> memory, ReadOnlySpan<long> indices, IPageCodec codec, PageCache? cache = null, double rawAbove = 1)
    {
        var plan = new PagePlan(PageSize, rawAbove);
        if (indices.Length > BatchPages)
        {
            throw new ArgumentException($"{indices.Length} pages do not fit a batch of {BatchPages}");
        }

        if (memory.Length % PageSize != 0)
        {
            throw new ArgumentException($"memory of {memory.Length} bytes is not a whole number of {PageSize}-byte pages");
        }

        if (codec.Name.Length > MaxCodecName)
        {
            throw new ArgumentException($"codec name '{codec.Name}' is longer than {MaxCodecName} characters");
        }

        if (codec is IRecordClasses { RecordClassCount: > FrameStats.MaxRecordClasses or < 1 } many)
        {
            throw new ArgumentException($"codec '{codec.Name}' has {many.RecordClassCount} record classes; a frame counts 1..{FrameStats.MaxRecordClasses}");
        }

        if (cache is not null && reader?.Cache != cache)
        {
            reader = cache.CreateReader();
        }

        long start = Stopwatch.GetTimestamp();
        var stats = new FrameStats { Pages = indices.Length };
        var classes = codec as IRecordClasses;
        Span<byte> output = frame;
        int header = BatchFrame.HeaderBytes(codec.Name);
        int at = header;
        long pages = memory.Length / PageSize;
        for (int i = 0; i < indices.Length; i++)
        {
            long index = indices[i];
            if ((ulong)index >= (ulong)pages)
            {
                throw new ArgumentOutOfRangeException(nameof(indices), index, $"page index beyond the {pages}-page memory");
            }

            Span<byte> page = copies.AsSpan(copiesOffset + i * PageSize, PageSize);
            memory.Slice((int)(index * PageSize), PageSize).CopyTo(page);
            Span<byte> payload = output.Slice(at + BatchFrame.RecordHeaderBytes, PageSize);
            PageFate encoded = plan.Encoded(codec.Compress(page, payload));
            PageFate fate = encoded;
            if (cache is not null)
            {
                int delta = reader!.TryGet(index, out ReadOnlySpan<byte> previous)
                    ? XbzrleDelta.Encode(previous, page, scratch.AsSpan(0, plan.DeltaRoom(encoded)))
                    : PageCodec.DidNotFit;
                // The cache keeps the page as the codec encoded it, before a delta takes its place in the record.
                cache.Put(index, page, encoded.Kind == BatchFrame.KindCompressed ? payload[..encoded.Length] : default, codec);
                fate = PagePlan.WithDelta(encoded, delta);
                if (fate.Kind == BatchFrame.KindDelta)
                {
                    scratch.AsSpan(0, fate.Length).CopyTo(payload);
                }
            }

            switch (fate.Kind)
            {
                case BatchFrame.KindRaw:
                    page.CopyTo(payload);
                    stats.Raw++;
                    break;
                case BatchFrame.KindDelta:
                    stats.Delta++;
                    break;
                default:
                    stats.Compressed++;
                    if (classes is not null)
                    {
                        stats.Classes[classes.RecordClass(payload[..fate.Length])]++;
                    }

                    break;
            }

            BatchFrame.WriteRecordHeader(output[at..], index, fate, PageHash.Of(page, index));
            at += fate.RecordBytes;
        }

        BatchFrame.WriteHeader(output, codec.Name, PageSize, indices.Length, at - header);
        Frame = frame.AsMemory(0, at);
        stats.Ticks = Stopwatch.GetTimestamp() - start;
        return stats;
    }

    private static unsafe int AlignmentOffset(byte[] pinned)
    {
        fixed (byte* p = pinned)
        {
            return (int)((64 - ((nint)p & 63)) & 63);
        }
    }
}
