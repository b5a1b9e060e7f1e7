namespace Mecom.Codecs.Baseline;

/// <summary>
/// Every page as it is (Xen 3.x pre-copy): nothing ever fits, so frames carry raw records. The
/// migration strategies' baseline, not a codec anyone compares speeds of.
/// </summary>
public sealed class RawCodec : IPageCodec
{
    public string Name => "raw";

    public int Compress(ReadOnlySpan<byte> page, Span<byte> destination) => PageCodec.DidNotFit;

    public void Decompress(ReadOnlySpan<byte> source, Span<byte> page) =>
        throw new CorruptPageException(Name, $"a {source.Length}-byte compressed record: raw pages are never compressed");
}
