using Mecom.Codecs;

namespace Mecom.Harness.Measure;

/// <summary>The ceiling row, as lzbench has it: copying the page, which no codec can beat.</summary>
public sealed class MemcpyCodec : IPageCodec
{
    public const string CodecName = "memcpy";

    public string Name => CodecName;

    public int Compress(ReadOnlySpan<byte> page, Span<byte> destination)
    {
        page.CopyTo(destination);
        return page.Length;
    }

    public void Decompress(ReadOnlySpan<byte> source, Span<byte> page) => source.CopyTo(page);
}
