using Mecom.Codecs;
using Mecom.Codecs.Simd;
using Mecom.Codecs.WordPattern;
using Mecom.Tests.Support;

namespace Mecom.Tests.WordPattern;

public class WkdmCodecTests
{
    public static TheoryData<int> PageSizes => new(4096, 16384);

    [Theory]
    [MemberData(nameof(PageSizes))]
    public void Every_tier_writes_the_same_bytes_and_the_model_predicts_their_length(int size)
    {
        var codecs = SimdTiers.All.Select(t => new WkdmCodec(t)).ToArray();
        byte[] expected = new byte[2 * size];
        byte[] actual = new byte[2 * size];
        byte[] back = new byte[size];
        foreach (var (name, page) in TestPages.Adversarial(size))
        {
            int length = codecs[0].Compress(page, expected);
            WkdmStats stats = WkdmModel.Analyze(page);
            if (length == PageCodec.DidNotFit)
            {
                Assert.True(stats.Size >= size, $"{name}: model says {stats.Size} but the codec did not fit");
            }
            else
            {
                Assert.True(stats.Size == length, $"{name}: model says {stats.Size}, codec wrote {length}");
            }

            for (int t = 1; t < codecs.Length; t++)
            {
                int other = codecs[t].Compress(page, actual);
                Assert.True(length == other, $"{name}: tier {SimdTiers.All[t]} wrote {other} bytes, scalar {length}");
                if (length > 0)
                {
                    Assert.True(expected.AsSpan(0, length).SequenceEqual(actual.AsSpan(0, length)), $"{name}: tier {SimdTiers.All[t]} differs");
                    back.AsSpan().Fill(0xAA);
                    codecs[t].Decompress(actual.AsSpan(0, length), back);
                    Assert.True(page.AsSpan().SequenceEqual(back), $"{name}: tier {SimdTiers.All[t]} round trip");
                }
            }
        }
    }

    [Fact]
    public void Model_counts_match_a_plain_reading_of_the_algorithm()
    {
        foreach (var (name, page) in TestPages.Adversarial(4096))
        {
            WkdmStats stats = WkdmModel.Analyze(page);
            if (stats.SingleValue)
            {
                continue;
            }

            // Straight from Wilson & Kaplan: no skipping, no branch tricks.
            uint[] dict = Enumerable.Repeat(WkdmFormat.DictionaryInitialValue, 16).ToArray();
            int zero = 0, exact = 0, partial = 0, miss = 0;
            for (int i = 0; i < 1024; i++)
            {
                uint w = BitConverter.ToUInt32(page, 4 * i);
                uint h = WkdmFormat.Hash(w);
                if (w == dict[h])
                {
                    exact++;
                }
                else if (w == 0)
                {
                    zero++;
                }
                else if (w >> 10 == dict[h] >> 10)
                {
                    partial++;
                    dict[h] = w;
                }
                else
                {
                    miss++;
                    dict[h] = w;
                }
            }

            Assert.True((zero, exact, partial, miss) == (stats.Zero, stats.Exact, stats.Partial, stats.Miss), name);
        }
    }

    [Fact]
    public void Single_value_pages_take_twelve_bytes()
    {
        var codec = new WkdmCodec();
        byte[] page = TestPages.Words64(4096, _ => 0xCCCCCCCCCCCCCCCCUL);
        byte[] output = new byte[4096];
        Assert.Equal(12, codec.Compress(page, output));
        byte[] back = new byte[4096];
        codec.Decompress(output.AsSpan(0, 12), back);
        Assert.Equal(page, back);
        Assert.Equal(12, WkdmModel.Analyze(page).Size);
        output[0] = 1;
        Assert.Throws<CorruptPageException>(() => codec.Decompress(output.AsSpan(0, 12), back));
    }

    [Fact]
    public void A_page_of_misses_does_not_fit()
    {
        byte[] page = TestPages.Words32(4096, i => (uint)(i * 2654435761u) | 1u << 31);
        Assert.Equal(PageCodec.DidNotFit, new WkdmCodec().Compress(page, new byte[8192]));
    }

    [Fact]
    public void A_destination_too_small_gives_did_not_fit_and_is_not_overrun()
    {
        byte[] page = TestPages.Words32(4096, i => (uint)(i % 7));
        var codec = new WkdmCodec();
        byte[] full = new byte[4096];
        int length = codec.Compress(page, full);
        Assert.True(length > 0);
        byte[] small = new byte[length + 16];
        small.AsSpan().Fill(0x5A);
        Assert.Equal(PageCodec.DidNotFit, codec.Compress(page, small.AsSpan(0, length - 1)));
        Assert.All(small.AsSpan(length - 1).ToArray(), b => Assert.Equal(0x5A, b));
    }
}

/// <summary>The tiers against each other on real memory: tags, counts, streams, bytes out, pages back.</summary>
public class WkdmRealPageTierTests
{
    [Fact]
    public void Every_tier_agrees_with_the_scalar_twin_on_every_shipped_page()
    {
        var codecs = SimdTiers.All.Select(t => new WkdmCodec(t)).ToArray();
        byte[] expected = new byte[4096];
        byte[] actual = new byte[4096];
        byte[] back = new byte[4096];
        foreach (var entry in Corpora.Shipped())
        {
            byte[] image = entry.ReadAllPages();
            for (int p = 0; p < image.Length / 4096; p++)
            {
                ReadOnlySpan<byte> page = image.AsSpan(p * 4096, 4096);
                int length = codecs[0].Compress(page, expected);
                WkdmStats scalarStats = WkdmModel.Analyze(page, SimdTier.Scalar);
                for (int t = 1; t < codecs.Length; t++)
                {
                    Assert.Equal(scalarStats, WkdmModel.Analyze(page, SimdTiers.All[t]));
                    int other = codecs[t].Compress(page, actual);
                    if (other != length || (length > 0 && !expected.AsSpan(0, length).SequenceEqual(actual.AsSpan(0, length))))
                    {
                        Assert.Fail($"tier {SimdTiers.All[t]} encodes page {p} of {entry.Name} differently");
                    }

                    if (length > 0)
                    {
                        codecs[t].Decompress(actual.AsSpan(0, length), back);
                        Assert.True(page.SequenceEqual(back), $"tier {SimdTiers.All[t]} decodes page {p} of {entry.Name} wrongly");
                    }
                }
            }
        }
    }
}
