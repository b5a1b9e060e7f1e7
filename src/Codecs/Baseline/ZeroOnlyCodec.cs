using Mecom.Codecs.Pages;

namespace Mecom.Codecs.Baseline;

/// <summary>
/// QEMU's default migration: an all-zero page becomes an empty record (a flag), every other page goes
/// raw. What plain pre-copy gets without any compressor.
/// </summary>
public sealed class ZeroOnlyCodec : IPageCodec
{
    public string Name => "zero";

    public int Compress(ReadOnlySpan<byte> page, Span<byte> destination) =>
        ZeroPage.IsZero(page) ? 0 : PageCodec.DidNotFit;

    public void Decompress(ReadOnlySpan<byte> source, Span<byte> page)
    {
        if (!source.IsEmpty)
        {
            throw new CorruptPageException(Name, $"a {source.Length}-byte record: zero pages carry no payload");
        }

        page.Clear();
    }
}
