using System.IO.Compression;

namespace Mecom.Codecs.General;

/// <summary>The BCL's Brotli (System.IO.Compression.BrotliEncoder/BrotliDecoder).</summary>
public sealed class BrotliCodec : IPageCodec
{
    private readonly int quality;

    public BrotliCodec(int quality = 1)
    {
        if (quality < 0 || quality > 11)
        {
            throw new ArgumentOutOfRangeException(nameof(quality), quality, "Brotli qualities are 0..11");
        }

        this.quality = quality;
        Name = $"brotli:{quality}";
    }

    public string Name { get; }

    public int Compress(ReadOnlySpan<byte> page, Span<byte> destination)
    {
        // The smallest window that holds a page: a bigger one only costs memory.
        int window = Math.Clamp(BitLength(page.Length), 10, 24);
        int limit = Math.Min(destination.Length, page.Length - 1);
        return BrotliEncoder.TryCompress(page, destination[..limit], out int written, quality, window) && written > 0
            ? written
            : PageCodec.DidNotFit;
    }

    public void Decompress(ReadOnlySpan<byte> source, Span<byte> page)
    {
        if (!BrotliDecoder.TryDecompress(source, page, out int written) || written != page.Length)
        {
            throw new CorruptPageException(Name, "the Brotli stream is malformed, truncated or not one page long");
        }
    }

    private static int BitLength(int n) => 32 - int.LeadingZeroCount(n - 1);
}
