using System.Buffers.Binary;
using Mecom.Codecs.Pages;

namespace Mecom.Codecs.Framing;

/// <summary>
/// A whole batch compressed as one stream, as QEMU's multifd zlib keeps one stream per channel: a general
/// codec sees 128 pages of history instead of one, at the price of decoding the batch as a unit.
/// </summary>
/// <remarks>
/// <para>Layout: page count (u16); per page a kind byte (0 zero, 1 same-filled, 2 in the stream); the
/// same-filled pages' 64-bit values in order; a stream kind byte (0 compressed by the general codec,
/// 1 stored: it did not shrink); the stream's length (u32); the stream, which holds the kind-2 pages back
/// to back. Without tags every page is kind 2.</para>
/// <para>The general codec's <see cref="IPageCodec.Compress"/> is given the concatenated pages as one
/// "page"; the codecs used here (zstd, Deflate, LZ4) take any length.</para>
/// </remarks>
public sealed class BatchStream
{
    private const byte KindZero = 0;
    private const byte KindSame = 1;
    private const byte KindStreamed = 2;

    private readonly IPageCodec general;
    private readonly byte[] streamed;

    public BatchStream(IPageCodec general, int pageSize, int batchPages, bool tags)
    {
        PageCodec.ValidatePageSize(pageSize);
        if (batchPages is < 1 or > ushort.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(batchPages), batchPages, "a batch is 1..65535 pages");
        }

        this.general = general;
        PageSize = pageSize;
        BatchPages = batchPages;
        Tags = tags;
        streamed = new byte[pageSize * batchPages];
        Name = $"{(tags ? "tags+" : string.Empty)}{general.Name} stream/{batchPages}";
    }

    public string Name { get; }

    public int PageSize { get; }

    public int BatchPages { get; }

    public bool Tags { get; }

    /// <summary>The most bytes <see cref="Compress"/> can write for <paramref name="pages"/> pages.</summary>
    public int MaxOutput(int pages) => 2 + pages * 9 + 5 + pages * PageSize;

    /// <summary>Compresses whole pages (a multiple of the page size, at most a batch) into <paramref name="destination"/>.</summary>
    public int Compress(ReadOnlySpan<byte> pages, Span<byte> destination)
    {
        int count = CountOf(pages.Length);
        if (destination.Length < MaxOutput(count))
        {
            throw new ArgumentException($"the destination holds {destination.Length} bytes; {count} pages may need {MaxOutput(count)}", nameof(destination));
        }

        BinaryPrimitives.WriteUInt16LittleEndian(destination, (ushort)count);
        Span<byte> kinds = destination.Slice(2, count);
        int at = 2 + count;
        int inStream = 0;
        for (int p = 0; p < count; p++)
        {
            ReadOnlySpan<byte> page = pages.Slice(p * PageSize, PageSize);
            if (Tags && ZeroPage.IsZero(page))
            {
                kinds[p] = KindZero;
            }
            else if (Tags && SameFilledPage.TryGetFillValue(page, out ulong fill))
            {
                kinds[p] = KindSame;
                BinaryPrimitives.WriteUInt64LittleEndian(destination[at..], fill);
                at += 8;
            }
            else
            {
                kinds[p] = KindStreamed;
                page.CopyTo(streamed.AsSpan(inStream * PageSize));
                inStream++;
            }
        }

        ReadOnlySpan<byte> stream = streamed.AsSpan(0, inStream * PageSize);
        Span<byte> body = destination[(at + 5)..];
        int length = stream.IsEmpty ? 0 : general.Compress(stream, body[..Math.Min(body.Length, stream.Length)]);
        byte kind = 0;
        if (length == PageCodec.DidNotFit)
        {
            stream.CopyTo(body);
            length = stream.Length;
            kind = 1;
        }

        destination[at] = kind;
        BinaryPrimitives.WriteInt32LittleEndian(destination[(at + 1)..], length);
        return at + 5 + length;
    }

    /// <summary>Restores the pages of one <see cref="Compress"/> output; hostile input gives <see cref="CorruptPageException"/>.</summary>
    public void Decompress(ReadOnlySpan<byte> source, Span<byte> pages)
    {
        int count = CountOf(pages.Length);
        if (source.Length < 2 || BinaryPrimitives.ReadUInt16LittleEndian(source) != count)
        {
            throw new CorruptPageException(Name, $"the batch does not start with its page count {count}");
        }

        if (source.Length < 2 + count + 5)
        {
            throw new CorruptPageException(Name, $"{source.Length} bytes cannot hold the kinds of {count} pages");
        }

        ReadOnlySpan<byte> kinds = source.Slice(2, count);
        int at = 2 + count;
        int inStream = 0;
        foreach (byte kind in kinds)
        {
            if (kind > KindStreamed)
            {
                throw new CorruptPageException(Name, $"page kind {kind} is not 0, 1 or 2");
            }

            at += kind == KindSame ? 8 : 0;
            inStream += kind == KindStreamed ? 1 : 0;
        }

        if (source.Length < at + 5)
        {
            throw new CorruptPageException(Name, $"{source.Length} bytes end inside the same-filled values");
        }

        byte streamKind = source[at];
        int length = BinaryPrimitives.ReadInt32LittleEndian(source[(at + 1)..]);
        if (streamKind > 1 || length < 0 || length != source.Length - at - 5)
        {
            throw new CorruptPageException(Name, $"stream kind {streamKind} of {length} bytes, but {source.Length - at - 5} bytes follow");
        }

        ReadOnlySpan<byte> body = source.Slice(at + 5, length);
        Span<byte> stream = streamed.AsSpan(0, inStream * PageSize);
        if (streamKind == 1)
        {
            if (length != stream.Length)
            {
                throw new CorruptPageException(Name, $"a stored stream of {length} bytes for {inStream} pages");
            }

            body.CopyTo(stream);
        }
        else if (inStream > 0)
        {
            general.Decompress(body, stream);
        }
        else if (length != 0)
        {
            throw new CorruptPageException(Name, "a stream with no page in it");
        }

        int next = 2 + count;
        inStream = 0;
        for (int p = 0; p < count; p++)
        {
            Span<byte> page = pages.Slice(p * PageSize, PageSize);
            switch (kinds[p])
            {
                case KindZero:
                    page.Clear();
                    break;
                case KindSame:
                    SameFilledPage.Fill(page, BinaryPrimitives.ReadUInt64LittleEndian(source[next..]));
                    next += 8;
                    break;
                default:
                    stream.Slice(inStream++ * PageSize, PageSize).CopyTo(page);
                    break;
            }
        }
    }

    private int CountOf(int bytes)
    {
        if (bytes % PageSize != 0 || bytes / PageSize is var count && (count < 1 || count > BatchPages))
        {
            throw new ArgumentException($"{bytes} bytes are not 1..{BatchPages} whole pages of {PageSize}");
        }

        return bytes / PageSize;
    }
}
