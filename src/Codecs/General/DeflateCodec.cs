using System.IO.Compression;

namespace Mecom.Codecs.General;

/// <summary>
/// The BCL's raw Deflate (System.IO.Compression.DeflateStream, zlib-ng underneath) at a zlib level.
/// </summary>
/// <remarks>
/// .NET 10 offers Deflate only as a stream, so each page costs one DeflateStream object (and its native
/// z_stream); the byte buffers are reused. bench/CodecBench's MemoryDiagnoser column shows that cost.
/// </remarks>
public sealed class DeflateCodec : IPageCodec
{
    private readonly ZLibCompressionOptions options;
    private readonly BoundedStream output = new();
    private readonly BoundedStream input = new();

    public DeflateCodec(int level = 1)
    {
        if (level < 0 || level > 9)
        {
            throw new ArgumentOutOfRangeException(nameof(level), level, "Deflate levels are 0..9");
        }

        options = new ZLibCompressionOptions { CompressionLevel = level, CompressionStrategy = ZLibCompressionStrategy.Default };
        Name = $"deflate:{level}";
    }

    public string Name { get; }

    public int Compress(ReadOnlySpan<byte> page, Span<byte> destination)
    {
        int limit = Math.Min(destination.Length, page.Length - 1);
        output.Reset(limit);
        using (var deflate = new DeflateStream(output, options, leaveOpen: true))
        {
            deflate.Write(page);
        }

        if (output.Overflowed)
        {
            return PageCodec.DidNotFit;
        }

        output.Written.CopyTo(destination);
        return output.Written.Length;
    }

    public void Decompress(ReadOnlySpan<byte> source, Span<byte> page)
    {
        input.Load(source);
        int total = 0;
        try
        {
            using var inflate = new DeflateStream(input, CompressionMode.Decompress, leaveOpen: true);
            int read;
            while (total < page.Length && (read = inflate.Read(page[total..])) > 0)
            {
                total += read;
            }

            Span<byte> probe = stackalloc byte[1];
            if (total == page.Length && inflate.Read(probe) != 0)
            {
                throw new CorruptPageException(Name, "the stream decodes to more than a page");
            }
        }
        catch (InvalidDataException e)
        {
            throw new CorruptPageException(Name, e.Message, e);
        }

        if (total != page.Length)
        {
            throw new CorruptPageException(Name, $"decoded {total} bytes, expected {page.Length}");
        }
    }

    /// <summary>A reusable in-memory stream that refuses to grow past a limit instead of allocating.</summary>
    private sealed class BoundedStream : Stream
    {
        private byte[] buffer = new byte[PageCodec.MaxPageSize];
        private int length;
        private int position;
        private int limit;

        public bool Overflowed { get; private set; }

        public ReadOnlySpan<byte> Written => buffer.AsSpan(0, length);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => length;

        public override long Position
        {
            get => position;
            set => throw new NotSupportedException();
        }

        public void Reset(int max)
        {
            if (buffer.Length < max)
            {
                // Pages never get here after the first; a batch stream hands over many pages at once.
                buffer = new byte[max];
            }

            length = position = 0;
            limit = max;
            Overflowed = false;
        }

        public void Load(ReadOnlySpan<byte> data)
        {
            if (buffer.Length < data.Length)
            {
                buffer = new byte[data.Length];
            }

            data.CopyTo(buffer);
            length = data.Length;
            position = 0;
        }

        public override void Write(ReadOnlySpan<byte> data)
        {
            if (Overflowed || length + data.Length > limit)
            {
                Overflowed = true;
                return;
            }

            data.CopyTo(buffer.AsSpan(length));
            length += data.Length;
        }

        public override void Write(byte[] data, int offset, int count) => Write(data.AsSpan(offset, count));

        public override int Read(Span<byte> destination)
        {
            int n = Math.Min(destination.Length, length - position);
            buffer.AsSpan(position, n).CopyTo(destination);
            position += n;
            return n;
        }

        public override int Read(byte[] data, int offset, int count) => Read(data.AsSpan(offset, count));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
