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

    [Fact]
    public void Builders_on_two_threads_share_one_cache_and_send_what_one_builder_sends()
    {
        byte[] original = Corpora.Shipped().First(e => e.Name == "python-sqlite").ReadAllPages()[..(512 * 4096)];
        long[] all = Enumerable.Range(0, 512).Select(i => (long)i).ToArray();
        byte[] changed = original.ToArray();
        for (int p = 0; p < 512; p += 3)
        {
            changed[p * 4096 + (p * 37 % 4096)] ^= 0x81;
        }

        // One builder, then two sharing the cache, each taking every other batch of 32 pages at once.
        (int Deltas, long Bytes) Send(int threads, byte[] target)
        {
            using var cache = new PageCache(1024);
            var builders = Enumerable.Range(0, threads).Select(_ => new FrameBuilder(4096, 32)).ToArray();
            var codecs = Enumerable.Range(0, threads).Select(_ => CodecRegistry.Create("mecom")).ToArray();
            using var decoder = new BatchDecompressor(1);
            int deltas = 0;
            long bytes = 0;
            foreach (byte[] memory in new[] { original, changed })
            {
                var frames = new byte[16][];
                var stats = new FrameStats[16];
                Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
                {
                    for (int b = t; b < 16; b += threads)
                    {
                        stats[b] = builders[t].Build(memory, all.AsSpan(b * 32, 32), codecs[t], cache);
                        frames[b] = builders[t].Frame.ToArray();
                    }
                });
                foreach (byte[] frame in frames)
                {
                    decoder.Decompress(frame, target);
                    bytes += frame.Length;
                }

                deltas += stats.Sum(s => s.Delta);
            }

            return (deltas, bytes);
        }

        byte[] alone = new byte[original.Length], shared = new byte[original.Length];
        var one = Send(1, alone);
        var two = Send(2, shared);
        Assert.Equal(changed, alone);
        Assert.Equal(changed, shared);
        Assert.Equal(512, one.Deltas);   // every re-send, changed or not, is cheaper as a delta
        Assert.Equal(one, two);
    }
}
