using CsCheck;
using Mecom.Codecs;
using Mecom.Codecs.Delta;
using Mecom.Codecs.Simd;
using Mecom.Tests.Support;

namespace Mecom.Tests.Delta;

public class XbzrleDeltaTests
{
    public static TheoryData<SimdTier> Tiers => new(SimdTiers.All);

    [Theory]
    [MemberData(nameof(Tiers))]
    public void Run_scanning_matches_the_scalar_twin_at_every_offset(SimdTier tier)
    {
        var random = new Random(9);
        byte[] a = new byte[300];
        byte[] b = new byte[300];
        for (int trial = 0; trial < 3000; trial++)
        {
            random.NextBytes(a);
            a.CopyTo(b, 0);
            int at = random.Next(0, 300);
            b[at] ^= (byte)random.Next(1, 256);
            int start = random.Next(0, 300);
            Assert.Equal(XbzrleDelta.RunLength(a.AsSpan(start), b.AsSpan(start), true, SimdTier.Scalar),
                XbzrleDelta.RunLength(a.AsSpan(start), b.AsSpan(start), true, tier));
            Assert.Equal(XbzrleDelta.RunLength(a.AsSpan(start), b.AsSpan(start), false, SimdTier.Scalar),
                XbzrleDelta.RunLength(a.AsSpan(start), b.AsSpan(start), false, tier));
        }
    }

    [Fact]
    public void Deltas_round_trip_and_an_unchanged_page_costs_nothing()
    {
        Gen.Select(Gen.Int[0, 64], Gen.Int[0, 1 << 20]).Sample((edits, seed) =>
        {
            var random = new Random(seed);
            byte[] old = new byte[4096];
            random.NextBytes(old);
            byte[] now = (byte[])old.Clone();
            for (int e = 0; e < edits; e++)
            {
                int at = random.Next(4096);
                int len = random.Next(1, 40);
                for (int k = at; k < Math.Min(4096, at + len); k++)
                {
                    now[k] = (byte)random.Next(256);
                }
            }

            byte[] delta = new byte[4096];
            int length = XbzrleDelta.Encode(old, now, delta);
            if (length == PageCodec.DidNotFit)
            {
                return;
            }

            byte[] page = (byte[])old.Clone();
            XbzrleDelta.Decode(delta.AsSpan(0, length), page);
            Assert.Equal(now, page);
            Assert.Equal(edits == 0 || old.AsSpan().SequenceEqual(now), length == 0);
        }, iter: 500);
    }

    [Fact]
    public void A_full_rewrite_does_not_fit_and_malformed_deltas_throw()
    {
        byte[] old = new byte[4096];
        byte[] now = TestPages.Filled(4096, 0xAB);
        Assert.Equal(PageCodec.DidNotFit, XbzrleDelta.Encode(old, now, new byte[4000]));
        byte[] page = new byte[4096];
        Assert.Throws<CorruptPageException>(() => XbzrleDelta.Decode([0x80], page));            // truncated length
        Assert.Throws<CorruptPageException>(() => XbzrleDelta.Decode([0, 0], page));             // empty changed run
        Assert.Throws<CorruptPageException>(() => XbzrleDelta.Decode([0, 5, 1, 2], page));       // run past the input
        Assert.Throws<CorruptPageException>(() => XbzrleDelta.Decode([0xFF, 0x3F, 1, 9], page)); // run past the page
        Assert.Throws<CorruptPageException>(() => XbzrleDelta.Decode([1, 1, 7, 0, 1, 7], page)); // empty unchanged run later
    }
}
