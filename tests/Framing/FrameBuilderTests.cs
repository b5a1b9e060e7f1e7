using Mecom.Codecs;
using Mecom.Codecs.Delta;
using Mecom.Codecs.Framing;
using Mecom.Tests.Support;

namespace Mecom.Tests.Framing;

/// <summary>Frames with delta records: re-sent pages go as XBZRLE deltas and decode against the target's old copy.</summary>
public class FrameBuilderTests
{
    [Fact]
    public void Re_sent_pages_go_as_deltas_and_decode_exactly()
    {
        byte[] memory = Corpora.Shipped().First(e => e.Name == "python-sqlite").ReadAllPages()[..(128 * 4096)];
        long[] all = Enumerable.Range(0, 128).Select(i => (long)i).ToArray();
        var cache = new PageCache(256);
        var builder = new FrameBuilder(4096, 128);
        IPageCodec codec = CodecRegistry.Create("mecom");
        FrameStats first = builder.Build(memory, all, codec, cache);
        Assert.Equal(0, first.Delta);
        byte[] target = new byte[memory.Length];
        using var decoder = new BatchDecompressor(1);
        decoder.Decompress(builder.Frame.Span, target);
        Assert.Equal(memory, target);

        // A guest changes a few bytes of some pages: those re-sends are deltas, far smaller than the pages.
        long[] changed = [3, 17, 64, 127];
        foreach (long p in changed)
        {
            memory[p * 4096 + 100] ^= 0x5A;
            memory[p * 4096 + 2000] = (byte)(memory[p * 4096 + 2000] + 1);
        }

        FrameStats second = builder.Build(memory, changed, codec, cache);
        Assert.Equal(changed.Length, second.Delta);
        Assert.True(builder.Frame.Length < 4 * 64 + 200, $"{builder.Frame.Length} bytes");
        decoder.Decompress(builder.Frame.Span, target);
        Assert.Equal(memory, target);
    }

    [Fact]
    public void A_delta_applied_to_the_wrong_old_page_is_caught_by_the_hash()
    {
        byte[] memory = TestPages.Adversarial(4096).Take(8).SelectMany(p => p.Page).ToArray();
        var cache = new PageCache(8);
        var builder = new FrameBuilder(4096, 8);
        IPageCodec codec = CodecRegistry.Create("lz4");
        builder.Build(memory, [5], codec, cache);
        memory[5 * 4096 + 7] ^= 1;
        builder.Build(memory, [5], codec, cache);
        // The target never got the first version of page 5: the delta lands on zeros.
        var e = Assert.ThrowsAny<Exception>(() => new BatchDecompressor(1).Decompress(builder.Frame.Span, new byte[memory.Length]));
        Assert.Contains("5", e.Message);
    }
}
