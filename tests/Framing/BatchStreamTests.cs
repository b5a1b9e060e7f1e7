using System.Buffers.Binary;
using Mecom.Codecs;
using Mecom.Codecs.Framing;
using Mecom.Codecs.General;
using Mecom.Tests.Support;

namespace Mecom.Tests.Framing;

public class BatchStreamTests
{
    private static byte[] Batch(int pages) => Corpora.SmallGuest.AsSpan(0, pages * 4096).ToArray();

    public static TheoryData<string, bool> Modes => new()
    {
        { "zstd:1", true }, { "zstd:1", false }, { "deflate:1", true }, { "zstd:3", false },
    };

    [Theory]
    [MemberData(nameof(Modes))]
    public void Batches_of_real_pages_round_trip_and_shrink_more_than_page_by_page(string codec, bool tags)
    {
        var stream = new BatchStream(CodecRegistry.Create(codec), 4096, 128, tags);
        IPageCodec single = CodecRegistry.Create(codec);
        byte[] output = new byte[stream.MaxOutput(128)];
        byte[] back = new byte[128 * 4096];
        byte[] one = new byte[4096];
        long streamed = 0, paged = 0;
        for (int first = 0; first + 128 <= Corpora.SmallGuest.Length / 4096; first += 128)
        {
            ReadOnlySpan<byte> pages = Corpora.SmallGuest.AsSpan(first * 4096, 128 * 4096);
            int length = stream.Compress(pages, output);
            streamed += length;
            back.AsSpan().Fill(0xAA);
            stream.Decompress(output.AsSpan(0, length), back);
            Assert.True(pages.SequenceEqual(back), $"batch at page {first}");
            for (int p = 0; p < 128; p++)
            {
                int n = single.Compress(pages.Slice(p * 4096, 4096), one);
                paged += n < 0 ? 4096 : n;
            }
        }

        Assert.True(streamed < paged, $"{stream.Name}: {streamed} bytes as streams, {paged} page by page");
    }

    [Fact]
    public void Short_batches_all_zero_batches_and_noise_round_trip()
    {
        var stream = new BatchStream(new ZstdCodec(1), 4096, 16, tags: true);
        byte[] output = new byte[stream.MaxOutput(16)];
        byte[] noise = new byte[16 * 4096];
        new Random(2).NextBytes(noise);
        foreach (byte[] pages in new[] { new byte[4096], new byte[16 * 4096], noise, Batch(3), TestPages.Filled(2 * 4096, 0x5A) })
        {
            int length = stream.Compress(pages, output);
            byte[] back = new byte[pages.Length];
            stream.Decompress(output.AsSpan(0, length), back);
            Assert.Equal(pages, back);
        }

        // Noise is stored, not expanded: the output is the pages plus a few header bytes.
        Assert.True(stream.Compress(noise, output) <= noise.Length + 2 + 16 + 5);
    }

    [Fact]
    public void Wrong_sizes_are_refused_before_any_work()
    {
        var stream = new BatchStream(new ZstdCodec(1), 4096, 8, tags: true);
        Assert.Throws<ArgumentException>(() => stream.Compress(new byte[9 * 4096], new byte[stream.MaxOutput(9)]));
        Assert.Throws<ArgumentException>(() => stream.Compress(new byte[4095], new byte[stream.MaxOutput(1)]));
        Assert.Throws<ArgumentException>(() => stream.Compress(new byte[4096], new byte[100]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchStream(new ZstdCodec(1), 4096, 0, tags: true));
    }

    [Fact]
    public void Hostile_batches_are_refused_with_what_is_wrong()
    {
        var stream = new BatchStream(new ZstdCodec(1), 4096, 8, tags: true);
        byte[] pages = Batch(8);
        BinaryPrimitives.WriteUInt64LittleEndian(pages.AsSpan(4096), 0);
        pages.AsSpan(2 * 4096, 4096).Fill(0x11);
        byte[] output = new byte[stream.MaxOutput(8)];
        int length = stream.Compress(pages, output);
        byte[] good = output[..length];
        byte[] back = new byte[8 * 4096];

        string Refused(byte[] input, int pageCount = 8) =>
            Assert.Throws<CorruptPageException>(() => stream.Decompress(input, back.AsSpan(0, pageCount * 4096))).Message;

        Assert.Contains("page count 7", Refused(good, 7));
        Assert.Contains("cannot hold the kinds", Refused(good[..9]));
        byte[] badKind = (byte[])good.Clone();
        badKind[2] = 7;
        Assert.Contains("page kind 7", Refused(badKind));
        Assert.Contains("follow", Refused(good[..^1]));
        Assert.Contains("follow", Refused([.. good, 0]));
        // A flipped byte inside the zstd stream either fails zstd's own checks or decodes to other bytes,
        // which the batch frame's per-page hashes catch; it never throws anything else.
        int refused = 0, flips = 0;
        for (int i = 2 + 8 + 8 + 5; i < good.Length; i += 97, flips++)
        {
            byte[] flipped = (byte[])good.Clone();
            flipped[i] ^= 0x21;
            try
            {
                stream.Decompress(flipped, back);
            }
            catch (CorruptPageException e)
            {
                Assert.Contains("zstd", e.Message);
                refused++;
            }
        }

        Assert.True(refused > 0, $"none of {flips} flipped streams was refused");
    }
}
