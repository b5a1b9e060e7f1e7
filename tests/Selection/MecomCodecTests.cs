using Mecom.Codecs;
using Mecom.Codecs.Selection;
using Mecom.Codecs.WordPattern;
using Mecom.Tests.Support;

namespace Mecom.Tests.Selection;

public class MecomCodecTests
{
    private static (int Length, byte Tag) Encode(IPageCodec codec, byte[] page)
    {
        byte[] output = new byte[page.Length];
        int length = codec.Compress(page, output);
        return (length, length > 0 ? output[0] : (byte)255);
    }

    [Fact]
    public void Each_kind_of_page_gets_its_codec()
    {
        var codec = new MecomCodec(wkdmMaxEighths: 4);
        Assert.Equal((1, MecomCodec.TagZero), Encode(codec, new byte[4096]));
        Assert.Equal((9, MecomCodec.TagSameFilled), Encode(codec, TestPages.Words64(4096, _ => 0xCCCCCCCCCCCCCCCCUL)));

        byte[] similar = TestPages.Words32(4096, i => 0xABCD0000u | (uint)(i / 64 % 8));
        Assert.True(WkdmModel.Analyze(similar).Size <= 2048);
        Assert.Equal(MecomCodec.TagWordPattern, Encode(codec, similar).Tag);
        Assert.Equal(MecomCodec.TagGeneral, Encode(new MecomCodec(0), similar).Tag);

        byte[] text = TestPages.Adversarial(4096).Single(p => p.Name == "text").Page;
        Assert.Equal(MecomCodec.TagGeneral, Encode(codec, text).Tag);

        byte[] noise = TestPages.Adversarial(4096).Single(p => p.Name == "random bytes").Page;
        Assert.Equal(PageCodec.DidNotFit, Encode(codec, noise).Length);
    }

    [Fact]
    public void The_threshold_is_honoured_exactly()
    {
        // A page whose WKdm size is known: it goes to WKdm exactly when the threshold admits that size.
        byte[] page = TestPages.Adversarial(4096).Single(p => p.Name == "similar highs").Page;
        int size = WkdmModel.Analyze(page).Size;
        for (int eighths = 0; eighths <= 8; eighths++)
        {
            byte expected = eighths > 0 && size * 8 <= eighths * 4096 && size < 4095 ? MecomCodec.TagWordPattern : MecomCodec.TagGeneral;
            (int length, byte tag) = Encode(new MecomCodec(eighths), page);
            if (length > 0)
            {
                Assert.True(expected == tag, $"mecom:{eighths} with WKdm size {size} chose tag {tag}");
            }
        }
    }

    [Fact]
    public void Bad_tags_and_payload_lengths_are_corrupt_pages()
    {
        var codec = new MecomCodec();
        byte[] page = new byte[4096];
        Assert.Throws<CorruptPageException>(() => codec.Decompress([], page));
        Assert.Throws<CorruptPageException>(() => codec.Decompress([MecomCodec.TagZero, 0], page));
        Assert.Throws<CorruptPageException>(() => codec.Decompress([MecomCodec.TagSameFilled, 1, 2, 3], page));
        Assert.Throws<CorruptPageException>(() => codec.Decompress([7], page));
        var e = Assert.Throws<CorruptPageException>(() => codec.Decompress([MecomCodec.TagGeneral, 0xFF, 0xFF], page));
        Assert.Contains("mecom:0", e.Message);
    }
}

public class ZstdDictionaryTests
{
    [Fact]
    public void A_trained_dictionary_round_trips_alone_and_inside_the_selector()
    {
        var pages = TestPages.Adversarial(4096).Select(p => p.Page).ToArray();
        byte[] dictionary = Mecom.Codecs.General.ZstdCodec.TrainDictionary(
            Enumerable.Range(0, 200).Select(i => pages[i % pages.Length].AsSpan(0, 1024 + i % 7 * 300).ToArray()), 8 * 1024);
        Assert.NotEmpty(dictionary);
        foreach (IPageCodec codec in new IPageCodec[] { new Mecom.Codecs.General.ZstdCodec(1, dictionary), new MecomCodec(0, new Mecom.Codecs.General.ZstdCodec(1, dictionary)) })
        {
            Assert.Contains("zstd-dict:1", codec.Name);
            byte[] output = new byte[4096];
            byte[] back = new byte[4096];
            foreach (byte[] page in pages)
            {
                int length = codec.Compress(page, output);
                if (length > 0)
                {
                    codec.Decompress(output.AsSpan(0, length), back);
                    Assert.Equal(page, back);
                }
            }
        }
    }

    [Fact]
    public void A_raw_content_dictionary_is_evenly_spaced_pages_and_round_trips()
    {
        var pages = TestPages.Adversarial(4096).Select(p => p.Page).Where(p => p.AsSpan().ContainsAnyExcept((byte)0)).ToArray();
        byte[] magic = (byte[])pages[0].Clone();
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(magic, 0xEC30A437);
        byte[][] sample = [magic, .. pages];
        byte[] dictionary = Mecom.Harness.Cli.DictCommand.RawContent(sample, 3 * 4096 + 100);

        Assert.Equal(3 * 4096, dictionary.Length);
        Assert.NotEqual(0xEC30A437u, System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(dictionary));
        Assert.Contains(magic, Enumerable.Range(0, 3).Select(k => dictionary.AsSpan(k * 4096, 4096).ToArray()), new ByteArrayComparer());
        using var codec = new Mecom.Codecs.General.ZstdCodec(1, dictionary);
        byte[] output = new byte[4096];
        byte[] back = new byte[4096];
        int length = codec.Compress(sample[1], output);
        Assert.InRange(length, 1, 4095);
        codec.Decompress(output.AsSpan(0, length), back);
        Assert.Equal(sample[1], back);
    }

    [Fact]
    public void A_dictionary_is_counted_as_sent_compressed_and_never_above_its_size()
    {
        byte[] repetitive = Corpora.SmallGuest[..(64 * 4096)];
        byte[] noise = new byte[8192];
        new Random(7).NextBytes(noise);

        int sent = Mecom.Harness.Cli.DictCommand.WireBytes(repetitive);
        Assert.InRange(sent, 1, repetitive.Length / 2);
        Assert.Equal(noise.Length, Mecom.Harness.Cli.DictCommand.WireBytes(noise));
        Assert.Equal(0, Mecom.Harness.Cli.DictCommand.WireBytes([]));
    }

    private sealed class ByteArrayComparer : IEqualityComparer<byte[]>
    {
        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj) => obj.Length;
    }
}
