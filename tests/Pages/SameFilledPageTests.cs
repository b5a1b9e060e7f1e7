using System.Buffers.Binary;
using Mecom.Codecs.Pages;
using Mecom.Codecs.Simd;
using Mecom.Tests.Support;

namespace Mecom.Tests.Pages;

public class SameFilledPageTests
{
    public static TheoryData<SimdTier> Tiers => new(SimdTiers.All);

    private static bool Oracle(ReadOnlySpan<byte> page, out ulong value)
    {
        value = BinaryPrimitives.ReadUInt64LittleEndian(page);
        for (int i = 8; i < page.Length; i += 8)
        {
            if (BinaryPrimitives.ReadUInt64LittleEndian(page[i..]) != value)
            {
                return false;
            }
        }

        return true;
    }

    [Theory]
    [MemberData(nameof(Tiers))]
    public void Filled_pages_report_their_value_and_one_changed_byte_breaks_it(SimdTier tier)
    {
        var random = new Random(7);
        foreach (int size in new[] { 8, 16, 24, 64, 72, 200, 4096, 16384 })
        {
            ulong fill = (ulong)random.NextInt64();
            byte[] page = TestPages.Words64(size, _ => fill);
            Assert.True(SameFilledPage.TryGetFillValue(page, tier, out ulong value), $"{size} B");
            Assert.Equal(fill, value);
            for (int at = 0; at < size; at += size > 4096 ? 61 : 1)
            {
                byte saved = page[at];
                page[at] ^= (byte)(1 << (at % 8));
                bool same = SameFilledPage.TryGetFillValue(page, tier, out _);
                // Changing byte 0 of a 1-word page still leaves a (different) filled page.
                Assert.Equal(Oracle(page, out _), same);
                page[at] = saved;
            }
        }
    }

    [Theory]
    [MemberData(nameof(Tiers))]
    public void Adversarial_and_misaligned_pages_agree_with_a_word_loop(SimdTier tier)
    {
        foreach (int size in new[] { 4096, 16384 })
        {
            foreach (var (name, page) in TestPages.Adversarial(size))
            {
                bool expected = Oracle(page, out ulong expectedValue);
                Assert.True(expected == SameFilledPage.TryGetFillValue(page, tier, out ulong value), name);
                Assert.Equal(expectedValue, value);

                // The same page starting at an odd address.
                byte[] shifted = new byte[size + 3];
                page.CopyTo(shifted, 3);
                Assert.Equal(expected, SameFilledPage.TryGetFillValue(shifted.AsSpan(3), tier, out _));
            }
        }
    }

    [Fact]
    public void Lengths_that_are_not_whole_words_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => SameFilledPage.TryGetFillValue(new byte[12], out _));
        Assert.Throws<ArgumentException>(() => SameFilledPage.TryGetFillValue([], out _));
    }

    [Fact]
    public void Fill_writes_the_value_little_endian_everywhere()
    {
        byte[] page = new byte[4096];
        SameFilledPage.Fill(page, 0x1122334455667788UL);
        Assert.True(SameFilledPage.TryGetFillValue(page, out ulong value));
        Assert.Equal(0x1122334455667788UL, value);
        Assert.Equal(0x88, page[0]);
        Assert.Equal(0x11, page[4095]);
    }
}
