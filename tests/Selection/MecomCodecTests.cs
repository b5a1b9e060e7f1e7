using Mecom.Codecs;
using Mecom.Codecs.General;
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
            AssertRoundTrips(codec, codec, pages);
        }
    }

    /// <summary>Every page <paramref name="encoder"/> shrinks, <paramref name="decoder"/> gives back exactly.</summary>
    private static void AssertRoundTrips(IPageCodec encoder, IPageCodec decoder, IEnumerable<byte[]> pages)
    {
        byte[] output = new byte[4096];
        byte[] back = new byte[4096];
        foreach (byte[] page in pages)
        {
            int length = encoder.Compress(page, output);
            if (length > 0)
            {
                decoder.Decompress(output.AsSpan(0, length), back);
                Assert.Equal(page, back);
            }
        }
    }

    [Fact]
    public void A_raw_content_dictionary_is_evenly_spaced_pages_and_round_trips()
    {
        var pages = TestPages.Adversarial(4096).Select(p => p.Page).Where(p => p.AsSpan().ContainsAnyExcept((byte)0)).ToArray();
        byte[] magic = (byte[])pages[0].Clone();
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(magic, RawDictionary.ZstdMagic);
        byte[][] sample = [magic, .. pages];
        byte[] dictionary = RawDictionary.Evenly(sample, 3 * 4096 + 100);

        Assert.Equal(3 * 4096, dictionary.Length);
        Assert.NotEqual(RawDictionary.ZstdMagic, System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(dictionary));
        Assert.Contains(magic, Enumerable.Range(0, 3).Select(k => dictionary.AsSpan(k * 4096, 4096).ToArray()), new ByteArrayComparer());
        using var codec = new ZstdCodec(1, dictionary);
        byte[] output = new byte[4096];
        byte[] back = new byte[4096];
        int length = codec.Compress(sample[1], output);
        Assert.InRange(length, 1, 4095);
        codec.Decompress(output.AsSpan(0, length), back);
        Assert.Equal(sample[1], back);
    }

    [Fact]
    public void A_covering_dictionary_covers_what_pages_share_once_and_keeps_their_order()
    {
        // Five variants of template A (one of them twice), three of template B, six random pages. Room for
        // two pages: one of each template, since a second A adds nothing a first one did not, in sample order.
        var random = new Random(11);
        byte[][] templates = [new byte[4096], new byte[4096]];
        random.NextBytes(templates[0]);
        random.NextBytes(templates[1]);
        int[] family = [-1, 0, -1, 1, 0, -1, 0, 1, -1, 0, -1, 1, 0, -1];
        var sample = new List<byte[]>();
        for (int i = 0; i < family.Length; i++)
        {
            byte[] page = new byte[4096];
            if (family[i] >= 0)
            {
                templates[family[i]].CopyTo(page, 0);
            }

            random.NextBytes(family[i] >= 0 ? page.AsSpan(i * 200, 600) : page);
            sample.Add(page);
        }

        sample.Add((byte[])sample[4].Clone());
        byte[] dictionary = RawDictionary.Covering(sample, 2 * 4096 + 100);

        Assert.Equal(2 * 4096, dictionary.Length);
        var held = Enumerable.Range(0, 2).Select(k => sample.FindIndex(p => p.AsSpan().SequenceEqual(dictionary.AsSpan(k * 4096, 4096)))).ToArray();
        Assert.Equal([0, 1], held.Select(i => family[i]).Order());
        Assert.True(held[0] < held[1], "the pages keep their sample order");
        Assert.Equal(dictionary, RawDictionary.Covering(sample, 2 * 4096 + 100));

        using var codec = new ZstdCodec(9, dictionary);
        byte[] output = new byte[4096];
        byte[] back = new byte[4096];
        foreach (int i in new[] { 6, 7 })
        {
            int length = codec.Compress(sample[i], output);
            Assert.InRange(length, 1, 1200);
            codec.Decompress(output.AsSpan(0, length), back);
            Assert.Equal(sample[i], back);
        }
    }

    [Fact]
    public void A_covering_dictionary_keeps_the_magic_off_its_start_and_refuses_no_pages()
    {
        byte[] first = new byte[4096];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(first, RawDictionary.ZstdMagic);
        byte[] second = Enumerable.Range(0, 4096).Select(i => (byte)(i * 7)).ToArray();
        byte[] dictionary = RawDictionary.Covering([first, second], 2 * 4096);

        Assert.Equal(2 * 4096, dictionary.Length);
        Assert.NotEqual(RawDictionary.ZstdMagic, System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(dictionary));
        Assert.Throws<ArgumentException>(() => RawDictionary.Covering([], 4096));
        Assert.Throws<ArgumentException>(() => RawDictionary.Evenly([], 4096));
    }

    [Fact]
    public void A_dictionary_codec_is_named_by_its_registered_dictionary_and_made_again_from_that_name()
    {
        var pages = TestPages.Adversarial(4096).Select(p => p.Page).Where(p => p.AsSpan().ContainsAnyExcept((byte)0)).ToArray();
        byte[] dictionary = RawDictionary.Evenly(pages, 8 * 4096);
        string id = RawDictionary.Register(dictionary);
        Assert.Equal(id, RawDictionary.Register((byte[])dictionary.Clone()));

        CodecSpec spec = CodecRegistry.Parse("mecom+zstd-dict:9");
        Assert.True(spec.NeedsDictionary);
        var e = Assert.Throws<ArgumentException>(() => CodecRegistry.Create(spec));
        Assert.Contains("needs the dictionary a migration builds", e.Message);

        CodecSpec bound = spec.WithDictionary(id);
        Assert.False(bound.NeedsDictionary);
        Assert.Equal($"mecom:0+zstd-dict:9@{id}", bound.ToString());
        Assert.Equal(bound.ToString(), CodecRegistry.Parse(bound.ToString()).ToString());
        using var source = (MecomCodec)CodecRegistry.Create(bound);
        Assert.Equal(bound.ToString(), source.Name);
        using var target = (MecomCodec)CodecRegistry.Create(source.Name);
        AssertRoundTrips(source, target, pages);

        Assert.Contains("no dictionary 'ffffffffffffffff' is known here", Assert.Throws<ArgumentException>(() => CodecRegistry.Parse("zstd-dict:9@ffffffffffffffff")).Message);
        Assert.Contains("takes no dictionary", Assert.Throws<ArgumentException>(() => CodecRegistry.Parse($"lz4@{id}")).Message);
        Assert.DoesNotContain(CodecRegistry.DefaultSet, c => c.Info.TakesDictionary);
    }

    [Fact]
    public void Only_the_most_recent_dictionaries_are_kept()
    {
        var store = new DictionaryStore(3);
        string[] ids = Enumerable.Range(0, 4).Select(i => store.Register([.. "forget me "u8, (byte)i])).ToArray();
        Assert.Equal(ids[1], store.Register([.. "forget me "u8, 1]));
        Assert.Contains("no dictionary", Assert.Throws<ArgumentException>(() => store.Get(ids[0])).Message);
        Assert.All(ids[1..], id => Assert.NotNull(store.Get(id)));
        Assert.Equal([.. "forget me "u8, 3], store.Get(ids[3]));
        Assert.Throws<ArgumentException>(() => store.Register([]));
        Assert.Equal(16, RawDictionary.Known.Capacity);
    }

    [Fact]
    public void A_packed_dictionary_unpacks_exactly_and_a_damaged_one_is_refused_saying_why()
    {
        byte[] dictionary = Corpora.SmallGuest[..(16 * 4096)];
        byte[] packed = RawDictionary.Pack(dictionary);
        Assert.InRange(packed.Length, 5, dictionary.Length);
        Assert.Equal(dictionary, RawDictionary.Unpack(packed));

        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => RawDictionary.Unpack(packed.AsSpan(0, 4))).Message);
        Assert.Contains("corrupt", Assert.Throws<InvalidDataException>(() => RawDictionary.Unpack(packed.AsSpan(0, packed.Length - 6))).Message);
        byte[] flipped = (byte[])packed.Clone();
        flipped[packed.Length / 2] ^= 0x10;
        Assert.Throws<InvalidDataException>(() => RawDictionary.Unpack(flipped));

        byte[] huge = (byte[])packed.Clone();
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(huge, RawDictionary.MaxBytes + 1u);
        Assert.Contains("outside", Assert.Throws<InvalidDataException>(() => RawDictionary.Unpack(huge)).Message);
        byte[] longer = (byte[])packed.Clone();
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(longer, (uint)dictionary.Length + 1);
        Assert.Contains("were announced", Assert.Throws<InvalidDataException>(() => RawDictionary.Unpack(longer)).Message);
        byte[] shorter = (byte[])packed.Clone();
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(shorter, (uint)dictionary.Length - 1);
        Assert.Contains("more than", Assert.Throws<InvalidDataException>(() => RawDictionary.Unpack(shorter)).Message);
    }

    [Fact]
    public void A_guests_dictionary_comes_from_pages_the_general_codec_sees_and_exists_even_for_an_empty_guest()
    {
        byte[] guest = Corpora.SmallGuest;
        var pages = Enumerable.Range(0, guest.Length / 4096).Select(p => guest.AsSpan(p * 4096, 4096).ToArray()).ToList();
        byte[][] sample = RawDictionary.Sample(guest, 4096, 100);
        Assert.InRange(sample.Length, 10, 100);
        Assert.All(sample, p => Assert.False(Mecom.Codecs.Pages.SameFilledPage.TryGetFillValue(p, out _)));
        int[] at = sample.Select(s => pages.FindIndex(p => p.AsSpan().SequenceEqual(s))).ToArray();
        Assert.Equal(at.Order(), at);

        byte[] dictionary = RawDictionary.FromGuest(guest, 4096, 16 * 4096);
        Assert.InRange(dictionary.Length, 4096, 16 * 4096);
        Assert.Equal(0, dictionary.Length % 4096);
        Assert.Equal(new byte[4096], RawDictionary.FromGuest(new byte[8 * 4096], 4096));
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
