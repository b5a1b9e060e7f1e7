using System.Buffers.Binary;
using CsCheck;
using Mecom.Codecs;
using Mecom.Codecs.Simd;
using Mecom.Codecs.WordPattern;
using Mecom.Tests.Support;

namespace Mecom.Tests.WordPattern;

public class BdiCodecTests
{
    public static TheoryData<int> PageSizes => new(1024, 4096, 16384);

    /// <summary>
    /// Compresses with every tier and decodes each back; returns what differed from the scalar twin
    /// (its bytes, or the page back), or null when every tier agreed.
    /// </summary>
    private static string? TierDisagreement(string name, ReadOnlySpan<byte> page)
    {
        var scalar = new BdiCodec(SimdTier.Scalar);
        byte[] expected = new byte[2 * page.Length];
        byte[] actual = new byte[2 * page.Length];
        byte[] back = new byte[page.Length];
        int length = scalar.Compress(page, expected);
        foreach (SimdTier tier in SimdTiers.All.Skip(1))
        {
            var codec = new BdiCodec(tier);
            int other = codec.Compress(page, actual);
            if (other != length || (length > 0 && !expected.AsSpan(0, length).SequenceEqual(actual.AsSpan(0, length))))
            {
                return $"{name}: tier {tier} wrote {other} bytes, the scalar twin {length}, or different bytes";
            }

            if (length > 0)
            {
                back.AsSpan().Fill(0xAA);
                codec.Decompress(actual.AsSpan(0, length), back);
                if (!page.SequenceEqual(back))
                {
                    return $"{name}: tier {tier} does not round-trip";
                }
            }
        }

        return null;
    }

    [Theory]
    [MemberData(nameof(PageSizes))]
    public void Every_tier_writes_the_scalar_twins_bytes_on_adversarial_pages(int size)
    {
        foreach (var (name, page) in TestPages.Adversarial(size))
        {
            Assert.Null(TierDisagreement(name, page));
        }
    }

    [Fact]
    public void One_set_bit_at_every_position_of_a_block_and_at_page_tails()
    {
        // Every bit of the first block (every lane width, every sign boundary), then the last block's.
        for (int bit = 0; bit < 512; bit++)
        {
            Assert.Null(TierDisagreement($"bit {bit}", TestPages.WithBit(new byte[4096], bit)));
            Assert.Null(TierDisagreement($"tail bit {bit}", TestPages.WithBit(new byte[4096], 8 * 4096 - 512 + bit)));
        }
    }

    [Fact]
    public void Values_at_every_delta_boundary_pick_the_narrowest_encoding_that_holds_them()
    {
        // Lanes of base + delta and small immediates around each signed boundary: 127/128, 32767/32768, 2^31.
        long[] edges = [0, 1, -1, 127, 128, -128, -129, 32767, 32768, -32768, -32769, int.MaxValue, (long)int.MaxValue + 1, int.MinValue, (long)int.MinValue - 1];
        var random = new Random(5);
        foreach (int k in new[] { 2, 4, 8 })
        {
            foreach (long edge in edges)
            {
                foreach (bool withBase in new[] { false, true })
                {
                    byte[] page = new byte[4096];
                    long baseValue = withBase ? 0x00007F3A_5C001234L : 0;
                    for (int lane = 0; lane < 4096 / k; lane++)
                    {
                        long value = (lane % 3) switch
                        {
                            0 => baseValue + edge,
                            1 => random.Next(-100, 100),
                            _ => baseValue + random.Next(-100, 100),
                        };
                        WriteLane(page, lane, k, value);
                    }

                    Assert.Null(TierDisagreement($"k={k} edge={edge} base={withBase}", page));
                }
            }
        }
    }

    [Fact]
    public void Typical_blocks_get_the_encodings_the_format_promises()
    {
        var codec = new BdiCodec();
        byte[] output = new byte[4096];
        int header = BdiFormat.HeaderBytes(4096);

        // Pointers into one 256-byte window: 8-byte lanes, 1-byte deltas (17 bytes a block).
        byte[] pointers = TestPages.Words64(4096, i => 0x00007F3A_5C000000UL + (ulong)(i % 8) * 16);
        Assert.Equal(header + 64 * 17, codec.Compress(pointers, output));
        Assert.Equal(0x22, output[0]);

        // Small 32-bit counters, no base needed: every lane an immediate in one byte, 4-byte lanes (22 bytes).
        byte[] counters = TestPages.Words32(4096, i => (uint)(i % 100));
        Assert.Equal(header + 64 * 22, codec.Compress(counters, output));

        // A repeated 8-byte value per block (8 bytes) and zero blocks (0 bytes).
        byte[] mixed = new byte[4096];
        for (int b = 0; b < 64; b += 2)
        {
            for (int w = 0; w < 8; w++)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(mixed.AsSpan(b * 64 + 8 * w), 0xCAFEBABE_00000001UL);
            }
        }

        Assert.Equal(header + 32 * 8, codec.Compress(mixed, output));

        // Noise does not shrink.
        byte[] noise = new byte[4096];
        new Random(1).NextBytes(noise);
        Assert.Equal(PageCodec.DidNotFit, codec.Compress(noise, output));
    }

    [Fact]
    public void Real_pages_round_trip_and_every_tier_agrees_on_every_shipped_page()
    {
        foreach (var entry in Corpora.Shipped())
        {
            byte[] image = entry.ReadAllPages();
            for (int p = 0; p < image.Length / 4096; p += 3)
            {
                Assert.Null(TierDisagreement($"{entry.Name} page {p}", image.AsSpan(p * 4096, 4096)));
            }
        }
    }

    [Fact]
    public void A_misaligned_page_compresses_to_the_same_bytes()
    {
        byte[] page = TestPages.Words64(4096, i => 0x00007F3A_5C000000UL + (ulong)(i * 37 % 200));
        var codec = new BdiCodec();
        byte[] expected = new byte[4096];
        int length = codec.Compress(page, expected);
        byte[] buffer = new byte[4096 + 64];
        byte[] output = new byte[4096 + 64];
        for (int offset = 1; offset < 64; offset += 7)
        {
            page.CopyTo(buffer, offset);
            int other = codec.Compress(buffer.AsSpan(offset, 4096), output.AsSpan(offset % 13));
            Assert.Equal(length, other);
            Assert.True(expected.AsSpan(0, length).SequenceEqual(output.AsSpan(offset % 13, length)), $"offset {offset}");
        }
    }

    [Fact]
    public void A_destination_of_exactly_the_output_size_gets_the_same_bytes()
    {
        // Vector packing stores 16 bytes at a time and needs room past a block; at the end of an exact
        // destination the scalar twin packs instead, and the bytes must not change.
        foreach (var (name, page) in TestPages.Adversarial(4096))
        {
            foreach (SimdTier tier in SimdTiers.All)
            {
                var codec = new BdiCodec(tier);
                byte[] roomy = new byte[8192];
                int length = codec.Compress(page, roomy);
                if (length <= 0)
                {
                    continue;
                }

                byte[] exact = new byte[length];
                Assert.Equal(length, codec.Compress(page, exact));
                Assert.True(roomy.AsSpan(0, length).SequenceEqual(exact), $"{name}, tier {tier}");
                Assert.Equal(PageCodec.DidNotFit, codec.Compress(page, new byte[length - 1]));
            }
        }
    }

    [Fact]
    public void Random_blocks_of_bases_and_deltas_round_trip_on_every_tier()
    {
        // Each block: a lane width, a base, deltas of a width, some lanes immediates: what BΔI is about.
        Gen<byte[]> blocks = Gen.Select(Gen.Int[0, 2], Gen.Long, Gen.Int[0, 3], Gen.Int[0, int.MaxValue], Gen.Int).Select(t =>
        {
            var (laneWidth, baseValue, deltaWidth, immediates, seed) = t;
            int k = 2 << laneWidth;
            var random = new Random(seed);
            byte[] block = new byte[64];
            for (int lane = 0; lane < 64 / k; lane++)
            {
                long limit = deltaWidth == 3 ? long.MaxValue : 1L << (8 << deltaWidth) - 1;
                long delta = random.NextInt64(-limit, limit);
                WriteLane(block, lane, k, (immediates >> (lane % 31) & 1) != 0 ? delta : baseValue + delta);
            }

            return block;
        });
        blocks.Array[64].Sample(list =>
        {
            byte[] page = list.SelectMany(b => b).ToArray();
            Assert.Null(TierDisagreement("generated", page));
        }, iter: 300);
    }

    [Fact]
    public void Hostile_input_is_refused_with_what_is_wrong()
    {
        var codec = new BdiCodec();
        byte[] page = TestPages.Words64(4096, i => 0x00007F3A_5C000000UL + (ulong)(i % 8) * 16);
        byte[] output = new byte[4096];
        int length = codec.Compress(page, output);
        byte[] back = new byte[4096];

        string Refused(byte[] input) => Assert.Throws<CorruptPageException>(() => codec.Decompress(input, back)).Message;

        Assert.Contains("block table", Refused(output[..10]));
        Assert.Contains("needs 17 bytes", Refused(output[..(length - 1)]));
        Assert.Contains("follow the last block", Refused([.. output[..length], 0]));
        byte[] badId = output[..length];
        badId[5] = 0x9F;
        Assert.Contains("block 10 has encoding 15", Refused(badId));

        // A valid table with a flipped delta byte decodes to a wrong page, not a crash: frames catch it by hash.
        byte[] flipped = output[..length];
        flipped[length - 1] ^= 0x40;
        codec.Decompress(flipped, back);
        Assert.False(back.AsSpan().SequenceEqual(page));
    }

    private static void WriteLane(byte[] buffer, int lane, int k, long value)
    {
        switch (k)
        {
            case 8: BinaryPrimitives.WriteInt64LittleEndian(buffer.AsSpan(lane * 8), value); break;
            case 4: BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(lane * 4), (int)value); break;
            default: BinaryPrimitives.WriteInt16LittleEndian(buffer.AsSpan(lane * 2), (short)value); break;
        }
    }
}
