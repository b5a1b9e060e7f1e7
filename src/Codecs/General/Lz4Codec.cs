using K4os.Compression.LZ4;

namespace Mecom.Codecs.General;

/// <summary>K4os.Compression.LZ4, the managed LZ4 port: level 0 is LZ4 fast, 3..12 are LZ4 HC.</summary>
public sealed class Lz4Codec : IPageCodec
{
    private readonly LZ4Level level;

    public Lz4Codec(int level = 0)
    {
        if (level != 0 && (level < 3 || level > 12))
        {
            throw new ArgumentOutOfRangeException(nameof(level), level, "LZ4 levels are 0 (fast) or 3..12 (HC)");
        }

        this.level = (LZ4Level)level;
        Name = level == 0 ? "lz4" : $"lz4hc:{level}";
    }

    public string Name { get; }

    public int Compress(ReadOnlySpan<byte> page, Span<byte> destination)
    {
        // Capping the target one byte under the page makes "did not shrink" the encoder's own failure.
        int limit = Math.Min(destination.Length, page.Length - 1);
        int written = LZ4Codec.Encode(page, destination[..limit], level);
        return written > 0 ? written : PageCodec.DidNotFit;
    }

    public void Decompress(ReadOnlySpan<byte> source, Span<byte> page) => DecodeWholePage(Name, source, page);

    /// <summary>K4os's safe decoder, held to one whole page; also lz4page's decoder.</summary>
    internal static void DecodeWholePage(string name, ReadOnlySpan<byte> source, Span<byte> page)
    {
        int written = LZ4Codec.Decode(source, page);
        if (written != page.Length)
        {
            throw new CorruptPageException(name, written < 0
                ? "the LZ4 block is malformed or overruns the page"
                : $"decoded {written} bytes, expected {page.Length}");
        }
    }
}
