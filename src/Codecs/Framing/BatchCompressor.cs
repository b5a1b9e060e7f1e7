namespace Mecom.Codecs.Framing;

/// <summary>
/// Compresses pages in batches (<see cref="BatchFrame"/>) on several worker threads, handing frames out in
/// order. Each worker has its own codec and frame buffer, reused from batch to batch: nothing is
/// allocated per page.
/// </summary>
public sealed class BatchCompressor : IDisposable
{
    private readonly IPageCodec[] codecs;
    private readonly FrameBuilder[] builders;

    /// <param name="batchPages">Pages per frame; 128 pages of 4 KiB is QEMU multifd's 512 KiB packet.</param>
    public BatchCompressor(CodecSpec codec, int pageSize = PageCodec.DefaultPageSize, int workers = 0, int batchPages = 128)
    {
        PageCodec.ValidatePageSize(pageSize);
        Workers = workers > 0 ? workers : Environment.ProcessorCount;
        BatchPages = batchPages;
        PageSize = pageSize;
        Codec = codec.ToString();
        codecs = Enumerable.Range(0, Workers).Select(_ => CodecRegistry.Create(codec)).ToArray();
        builders = Enumerable.Range(0, Workers).Select(_ => new FrameBuilder(pageSize, batchPages)).ToArray();
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
        long[] order = indices as long[] ?? indices.ToArray();
        int batches = (order.Length + BatchPages - 1) / BatchPages;
        var options = new ParallelOptions { MaxDegreeOfParallelism = Workers };
        for (int first = 0; first < batches; first += Workers)
        {
            int window = Math.Min(Workers, batches - first);
            if (window == 1)
            {
                Build(0, memory.Span, order, first);
            }
            else
            {
                Parallel.For(0, window, options, slot => Build(slot, memory.Span, order, first + slot));
            }

            for (int slot = 0; slot < window; slot++)
            {
                sink(builders[slot].Frame);
            }
        }
    }

    private void Build(int slot, ReadOnlySpan<byte> memory, long[] order, int batch)
    {
        int start = batch * BatchPages;
        builders[slot].Build(memory, order.AsSpan(start, Math.Min(BatchPages, order.Length - start)), codecs[slot]);
    }

    public void Dispose()
    {
        foreach (IPageCodec codec in codecs)
        {
            (codec as IDisposable)?.Dispose();
        }
    }
}
