using Mecom.Codecs.Pages;
using Mecom.Codecs.Simd;
using Mecom.Tests.Support;

namespace Mecom.Tests.Pages;

/// <summary>Every tier of the zero check against a plain byte loop, on spans built to hit every branch.</summary>
public class ZeroPageTests
{
    public static TheoryData<SimdTier> Tiers => new(SimdTiers.All);

    private static bool Oracle(ReadOnlySpan<byte> data)
    {
        foreach (byte b in data)
        {
            if (b != 0)
            {
                return false;
            }
        }

        return true;
    }

    [Theory]
    [MemberData(nameof(Tiers))]
    public void All_zero_spans_of_every_length_up_to_600_are_zero(SimdTier tier)
    {
        byte[] buffer = new byte[600 + 64];
        for (int offset = 0; offset < 64; offset += 7)
        {
            for (int length = 0; length <= 600; length++)
            {
                Assert.True(ZeroPage.IsZero(buffer.AsSpan(offset, length), tier), $"len {length} at {offset}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Tiers))]
    public void One_set_bit_anywhere_in_a_page_is_found(SimdTier tier)
    {
        foreach (int size in new[] { 4096, 16384 })
        {
            byte[] page = new byte[size];
            for (int bit = 0; bit < 8 * size; bit += size == 4096 ? 1 : 13)
            {
                page[bit / 8] = (byte)(1 << (bit % 8));
                Assert.False(ZeroPage.IsZero(page, tier), $"bit {bit} of a {size}-byte page");
                page[bit / 8] = 0;
            }
        }
    }

    [Theory]
    [MemberData(nameof(Tiers))]
    public void Misaligned_short_spans_agree_with_a_byte_loop(SimdTier tier)
    {
        var random = new Random(42);
        byte[] buffer = new byte[1024];
        for (int trial = 0; trial < 20_000; trial++)
        {
            Array.Clear(buffer);
            int offset = random.Next(0, 128);
            int length = random.Next(0, 1024 - offset);
            if (random.Next(3) > 0 && length > 0)
            {
                buffer[offset + random.Next(length)] = (byte)random.Next(1, 256);
            }

            // A set byte just outside the span must not count.
            if (offset > 0)
            {
                buffer[offset - 1] = 1;
            }

            if (offset + length < buffer.Length)
            {
                buffer[offset + length] = 1;
            }

            ReadOnlySpan<byte> span = buffer.AsSpan(offset, length);
            Assert.Equal(Oracle(span), ZeroPage.IsZero(span, tier));
        }
    }

    [Theory]
    [MemberData(nameof(Tiers))]
    public void Adversarial_pages_agree_with_a_byte_loop(SimdTier tier)
    {
        foreach (int size in new[] { 4096, 16384 })
        {
            foreach (var (name, page) in TestPages.Adversarial(size))
            {
                Assert.True(Oracle(page) == ZeroPage.IsZero(page, tier), $"{name} ({size} B)");
                Assert.Equal(Oracle(page), ZeroPage.IsZero(page));
                Assert.Equal(Oracle(page), ZeroPage.IsZeroSampled(page));
            }
        }
    }
}
