using System.Buffers.Binary;
using Mecom.Codecs.Hashing;

namespace Mecom.Codecs.Framing;

/// <summary>
/// Compresses pages in batches (<see cref="BatchFrame"/>) on several worker threads, handing frames out in
/// order. Each worker has its own codec and frame buffer, reused from batch to batch: nothing is
/// allocated per page.
/// </summary>
public sealed class BatchCompressor : IDisposable
{
    private readonly IPageCodec[] codecs;
    private readonly byte[][] frames;
    private readonly int[] lengths;

    /// <param name="batchPages">Pages per frame; 128 pages of 4 KiB is QEMU multifd's 512 KiB packet.</param>
    public BatchCompressor(CodecSpec codec, int pageSize = PageCodec.DefaultPageSize, int workers = 0, int batchPages = 128)
    {
        PageCodec.ValidatePageSize(pageSize);
        if (batchPages < 1 || batchPages > 1 << 16)
        {
            throw new ArgumentOutOfRangeException(nameof(batchPages), batchPages, "batches hold 1..65536 pages");
        }

        Workers = workers > 0 ? workers : Environment.ProcessorCount;
        BatchPages = batchPages;
        PageSize = pageSize;
        Codec = codec.ToString();
        codecs = Enumerable.Range(0, Workers).Select(_ => CodecRegistry.Create(codec)).ToArray();
        frames = Enumerable.Range(0, Workers).Select(_ => new byte[BatchFrame.MaxBytes(Codec, pageSize, batchPages)]).ToArray();
        lengths = new int[Workers];
    }

    public int Workers { get; }

    public int BatchPages { get; }

    public int PageSize { get; }

    public string Codec { get; }

    /// <summary>
    /// Compresses the pages of <paramref name="memory"/> named by <paramref name="indices"/>, in that order,
    /// and calls <paramref name="sink"/> with each frame in order. The span is only valid during the call.
    /// </summary>
    public void Compress(ReadOnlyMemory<byte> memory, IReadOnlyList<long> indices, Action<ReadOnlyMemory<byte>> sink)
    {
        if (memory.Length % PageSize != 0)
        {
            throw new ArgumentException($"memory of {memory.Length} bytes is not a whole number of {PageSize}-byte pages");
        }

        int batches = (indices.Count + BatchPages - 1) / BatchPages;
        var options = new ParallelOptions { MaxDegreeOfParallelism = Workers };
        for (int first = 0; first < batches; first += Workers)
        {
            int window = Math.Min(Workers, batches - first);
            if (window == 1)
            {
                lengths[0] = CompressBatch(0, memory.Span, indices, first * BatchPages);
            }
            else
            {
                Parallel.For(0, window, options, slot =>
                    lengths[slot] = CompressBatch(slot, memory.Span, indices, (first + slot) * BatchPages));
            }

            for (int slot = 0; slot < window; slot++)
            {
                sink(frames[slot].AsMemory(0, lengths[slot]));
            }
        }
    }

    private int CompressBatch(int slot, ReadOnlySpan<byte> memory, IReadOnlyList<long> indices, int start)
    {
        IPageCodec codec = codecs[slot];
        Span<byte> frame = frames[slot];
        int count = Math.Min(BatchPages, indices.Count - start);
        int header = BatchFrame.HeaderBytes(Codec);
        int at = header;
        long pages = memory.Length / PageSize;
        for (int i = 0; i < count; i++)
        {
            long index = indices[start + i];
            if ((ulong)index >= (ulong)pages)
            {
                throw new ArgumentOutOfRangeException(nameof(indices), index, $"page index beyond the {pages}-page memory");
            }

            ReadOnlySpan<byte> page = memory.Slice((int)(index * PageSize), PageSize);
            Span<byte> payload = frame.Slice(at + BatchFrame.RecordHeaderBytes, PageSize);
            int length = codec.Compress(page, payload);
            byte kind = BatchFrame.KindCompressed;
            if (length == PageCodec.DidNotFit)
            {
                page.CopyTo(payload);
                length = PageSize;
                kind = BatchFrame.KindRaw;
            }

            BinaryPrimitives.WriteUInt64LittleEndian(frame[at..], (ulong)index);
            frame[at + 8] = kind;
            BinaryPrimitives.WriteUInt32LittleEndian(frame[(at + 9)..], (uint)length);
            BinaryPrimitives.WriteUInt64LittleEndian(frame[(at + 13)..], PageHash.Of(page, index));
            at += BatchFrame.RecordHeaderBytes + length;
        }

        BatchFrame.WriteHeader(frame, Codec, PageSize, count, at - header);
        return at;
    }

    public void Dispose()
    {
        foreach (IPageCodec codec in codecs)
        {
            (codec as IDisposable)?.Dispose();
        }
    }
}
