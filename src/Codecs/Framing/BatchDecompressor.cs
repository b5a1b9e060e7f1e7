using Mecom.Codecs.Hashing;

namespace Mecom.Codecs.Framing;

/// <summary>
/// The target's side: checks and decodes batch frames into the target memory, verifying every page
/// against its source hash. Frames decode in parallel on several workers (their pages are disjoint or,
/// for a page sent twice, the later frame must be applied later: <see cref="DecompressAll"/> keeps
/// frames that touch the same page in order by running one batch of frames at a time).
/// </summary>
public sealed class BatchDecompressor : IDisposable
{
    private readonly Dictionary<string, IPageCodec>[] codecs;
    private readonly CodecAllowance allowance;

    /// <param name="workers">Decoding threads (0: cores).</param>
    /// <param name="allowance">What frames may make it build (default: anything, with the process's dictionaries): a peer's frames get a bounded one.</param>
    public BatchDecompressor(int workers = 0, CodecAllowance? allowance = null)
    {
        this.allowance = allowance ?? CodecAllowance.Unbounded;
        Workers = workers > 0 ? workers : Environment.ProcessorCount;
        codecs = Enumerable.Range(0, Workers).Select(_ => new Dictionary<string, IPageCodec>(StringComparer.Ordinal)).ToArray();
    }

    public int Workers { get; }

    /// <summary>Decodes one frame on the calling thread; returns the number of pages it held.</summary>
    public int Decompress(ReadOnlySpan<byte> frame, Span<byte> memory) => Decode(frame, memory, codecs[0]);

    /// <summary>
    /// Decodes frames in parallel, <see cref="Workers"/> at a time, in order of the list between groups.
    /// Returns the number of pages.
    /// </summary>
    public long DecompressAll(IReadOnlyList<ReadOnlyMemory<byte>> frames, Memory<byte> memory)
    {
        long pages = 0;
        var options = new ParallelOptions { MaxDegreeOfParallelism = Workers };
        int[] counts = new int[Workers];
        for (int first = 0; first < frames.Count; first += Workers)
        {
            int window = Math.Min(Workers, frames.Count - first);
            Parallel.For(0, window, options, slot => counts[slot] = Decode(frames[first + slot].Span, memory.Span, codecs[slot]));
            for (int slot = 0; slot < window; slot++)
            {
                pages += counts[slot];
            }
        }

        return pages;
    }

    private int Decode(ReadOnlySpan<byte> frame, Span<byte> memory, Dictionary<string, IPageCodec> cache)
    {
        BatchFrame.Header header = BatchFrame.ReadHeader(frame);
        int pageSize = header.PageSize;
        if (memory.Length % pageSize != 0)
        {
            throw new ArgumentException($"target memory of {memory.Length} bytes is not a whole number of {pageSize}-byte pages");
        }

        IPageCodec codec = CodecFor(header.Codec, cache);
        long pages = memory.Length / pageSize;
        int at = header.Length;
        for (int i = 0; i < header.Pages; i++)
        {
            var (index, kind, length, hash) = BatchFrame.ReadRecordHeader(frame, at, i, header.Pages);
            int payloadAt = at + BatchFrame.RecordHeaderBytes;
            if (index >= (ulong)pages)
            {
                throw new FrameFormatException(at, $"record {i}: page index {index} is beyond the target's {pages} pages");
            }

            if (length > frame.Length - payloadAt)
            {
                throw new FrameFormatException(at + BatchFrame.RecordLengthOffset, $"page {index}: length {length} runs past the frame's end");
            }

            ReadOnlySpan<byte> payload = frame.Slice(payloadAt, (int)length);
            Span<byte> target = memory.Slice((int)index * pageSize, pageSize);
            switch (kind)
            {
                case BatchFrame.KindRaw when length == pageSize:
                    payload.CopyTo(target);
                    break;
                case BatchFrame.KindCompressed when length < pageSize:
                    try
                    {
                        codec.Decompress(payload, target);
                    }
                    catch (CorruptPageException e)
                    {
                        throw new CorruptPageException(codec.Name, $"page {index}: {e.Message}", e);
                    }

                    break;
                case BatchFrame.KindDelta when length < pageSize:
                    try
                    {
                        Delta.XbzrleDelta.Decode(payload, target);
                    }
                    catch (CorruptPageException e)
                    {
                        throw new CorruptPageException("xbzrle", $"page {index}: {e.Message}", e);
                    }

                    break;
                default:
                    throw new FrameFormatException(at + BatchFrame.RecordKindOffset, $"page {index}: kind {kind} with length {length} is not a valid record");
            }

            PageHash.Verify(target, hash, (long)index);
            at = payloadAt + (int)length;
        }

        if (at != frame.Length)
        {
            throw new FrameFormatException(at, $"{frame.Length - at} bytes follow the last of {header.Pages} records");
        }

        return header.Pages;
    }

    private IPageCodec CodecFor(string name, Dictionary<string, IPageCodec> cache)
    {
        if (!cache.TryGetValue(name, out IPageCodec? codec))
        {
            CodecSpec spec = allowance.Admit(name);
            try
            {
                codec = CodecRegistry.Create(spec, allowance.Dictionaries);
            }
            catch (ArgumentException e)
            {
                throw new FrameFormatException(7, $"the frame's codec cannot be used here: {e.Message}");
            }

            cache[name] = codec;
        }

        return codec;
    }

    public void Dispose()
    {
        foreach (IPageCodec codec in codecs.SelectMany(c => c.Values))
        {
            (codec as IDisposable)?.Dispose();
        }
    }
}
