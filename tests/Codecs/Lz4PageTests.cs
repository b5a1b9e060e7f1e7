using CsCheck;
using Mecom.Codecs;
using Mecom.Codecs.General;
using Mecom.Codecs.Native;
using Mecom.Harness.Corpus;
using Mecom.Tests.Support;

namespace Mecom.Tests.Codecs;

/// <summary>
/// lz4page writes standard LZ4 blocks: K4os and the C liblz4 read every output back to the page, on every
/// page of the shipped corpus, on generated pages of every length, and on adversarial pages.
/// </summary>
public class Lz4PageTests
{
    /// <summary>lz4page's output for <paramref name="page"/>, checked by its own, K4os's and (where loaded) liblz4's decoder.</summary>
    /// <summary>Checks one page; returns whether it compressed (a page that does not shrink has no block to read).</summary>
    private static bool AssertStandard(Lz4PageCodec codec, ReadOnlySpan<byte> page, byte[] output, byte[] back, NativeLz4Codec? native, string what)
    {
        int length = codec.Compress(page, output);
        if (length == PageCodec.DidNotFit)
        {
            return false;
        }

        Assert.InRange(length, 1, page.Length - 1);
        ReadOnlySpan<byte> block = output.AsSpan(0, length);
        Span<byte> target = back.AsSpan(0, page.Length);
        target.Fill(0xEE);
        codec.Decompress(block, target);
        Assert.True(page.SequenceEqual(target), $"lz4page's decoder on {what}");

        target.Fill(0xEE);
        Assert.Equal(page.Length, K4os.Compression.LZ4.LZ4Codec.Decode(block, target));
        Assert.True(page.SequenceEqual(target), $"K4os's decoder on {what}");

        if (native is not null)
        {
            target.Fill(0xEE);
            native.Decompress(block, target);
            Assert.True(page.SequenceEqual(target), $"liblz4's decoder on {what}");
        }

        return true;
    }

    private static NativeLz4Codec? Native() => NativeLz4Codec.Unavailable is null ? new NativeLz4Codec() : null;

    [Fact]
    public void Every_page_of_every_shipped_entry_is_read_by_K4os_and_liblz4()
    {
        NativeLz4Codec? native = Native();
        foreach (CorpusEntry entry in Corpora.Shipped())
        {
            byte[] image = SharedImages.Get(entry);
            int size = entry.PageSize;
            var codec = new Lz4PageCodec();
            byte[] output = new byte[size];
            byte[] back = new byte[size];
            int compressed = 0;
            for (int p = 0; p < image.Length / size; p++)
            {
                compressed += AssertStandard(codec, image.AsSpan(p * size, size), output, back, native, $"{entry.Name} page {p}") ? 1 : 0;
            }

            // Real memory compresses: a codec that gave up on most pages would check nothing here.
            Assert.True(compressed > image.Length / size / 2, $"{entry.Name}: only {compressed} pages compressed");
        }

        if (native is null)
        {
            Assert.Skip($"K4os read every page; liblz4 is not loaded, so its decoder was not checked: {NativeLz4Codec.Unavailable}");
        }
    }

    [Fact]
    public void Generated_pages_of_every_length_are_read_by_K4os_and_liblz4()
    {
        NativeLz4Codec? native = Native();
        // Words from a small alphabet at random lengths: runs, repeats at short and long distances, and noise.
        Gen<byte[]> pages = Gen.Select(Gen.Int[1, 16384], Gen.Int[1, 256], Gen.Int[0, int.MaxValue]).Select((length, alphabet, seed) =>
        {
            var random = new Random(seed);
            byte[] page = new byte[length];
            for (int i = 0; i < length;)
            {
                int run = random.Next(1, 40);
                byte value = (byte)random.Next(alphabet);
                int distance = random.Next(1, 300);
                for (int k = 0; k < run && i < length; k++, i++)
                {
                    page[i] = random.Next(3) == 0 && i >= distance ? page[i - distance] : value;
                }
            }

            return page;
        });
        pages.Sample(page =>
        {
            var codec = new Lz4PageCodec();
            AssertStandard(codec, page, new byte[page.Length + 64], new byte[page.Length], native, $"{page.Length} B");
        }, iter: 400, threads: 1);
    }

    public static IEnumerable<(string Name, byte[] Page)> Adversarial(int size)
    {
        yield return ("all zero", new byte[size]);
        var random = new Random(size + 22);
        byte[] noise = new byte[size];
        random.NextBytes(noise);
        yield return ("random", noise);
        for (int bit = 0; bit < size * 8; bit += size == 4096 ? 1 : 61)
        {
            byte[] page = new byte[size];
            page[bit >> 3] = (byte)(1 << (bit & 7));
            yield return ($"bit {bit}", page);
        }

        for (int tail = 0; tail <= 64; tail++)
        {
            byte[] page = new byte[size];
            noise.AsSpan(0, tail).CopyTo(page.AsSpan(size - tail));
            yield return ($"noise in the last {tail} B", page);
            byte[] head = (byte[])noise.Clone();
            head.AsSpan(size - tail).Clear();
            yield return ($"zeros in the last {tail} B", head);
        }

        for (int distance = 1; distance <= 64; distance++)
        {
            byte[] page = new byte[size];
            noise.AsSpan(0, distance).CopyTo(page);
            for (int i = distance; i < size; i++)
            {
                page[i] = page[i - distance];
            }

            yield return ($"pattern of {distance} B", page);
        }
    }

    [Theory]
    [InlineData(4096)]
    [InlineData(16384)]
    public void Adversarial_pages_are_read_by_K4os_and_liblz4(int size)
    {
        NativeLz4Codec? native = Native();
        var codec = new Lz4PageCodec();
        byte[] output = new byte[size];
        byte[] back = new byte[size];
        var notCompressed = new List<string>();
        foreach (var (name, page) in Adversarial(size))
        {
            if (!AssertStandard(codec, page, output, back, native, name))
            {
                notCompressed.Add(name);
            }
        }

        // Only pages that are mostly noise may stay raw; zeros, single bits and repeats must be LZ4 blocks.
        Assert.All(notCompressed, name => Assert.True(name == "random" || name.StartsWith("zeros in the last", StringComparison.Ordinal), $"{name} did not compress"));
    }

    [Fact]
    public void The_output_does_not_depend_on_earlier_pages()
    {
        // 40 pages cross the table's reset twice: each page's bytes must be those of a fresh codec.
        var pages = Adversarial(4096).Where((_, i) => i % 97 == 0).Take(40).ToArray();
        var reused = new Lz4PageCodec();
        byte[] a = new byte[4096];
        byte[] b = new byte[4096];
        foreach (var (name, page) in pages.Concat(pages))
        {
            int length = reused.Compress(page, a);
            Assert.Equal(length, new Lz4PageCodec().Compress(page, b));
            Assert.True(length < 0 || a.AsSpan(0, length).SequenceEqual(b.AsSpan(0, length)), name);
        }
    }

    [Fact]
    public void Too_small_a_destination_is_did_not_fit_and_writes_nothing_past_it()
    {
        var codec = new Lz4PageCodec();
        foreach (var (name, page) in Adversarial(4096).Where((_, i) => i % 211 == 0))
        {
            byte[] full = new byte[4096];
            int length = codec.Compress(page, full);
            for (int room = 0; room < 70 && length > 0; room += 7)
            {
                byte[] small = new byte[room + 16];
                small.AsSpan().Fill(0x5A);
                int got = codec.Compress(page, small.AsSpan(0, room));
                Assert.True(got == PageCodec.DidNotFit || (got == length && length <= room), name);
                Assert.True(small.AsSpan(room).IndexOfAnyExcept((byte)0x5A) < 0, $"{name}: wrote past {room} B");
            }
        }
    }

    [Fact]
    public unsafe void Every_match_counter_tier_agrees_with_its_scalar_twin()
    {
        Gen.Select(Gen.Int[0, 300], Gen.Int[1, 200], Gen.Int[0, 299], Gen.Int[0, int.MaxValue]).Sample((common, distance, flip, seed) =>
        {
            var random = new Random(seed);
            byte[] buffer = new byte[distance + 320];
            random.NextBytes(buffer.AsSpan(0, distance));
            for (int i = distance; i < buffer.Length; i++)
            {
                buffer[i] = i - distance < common ? buffer[i - distance] : (byte)random.Next(256);
            }

            if (flip < common)
            {
                buffer[distance + flip] ^= 0x10;
            }

            int limitOffset = distance + random.Next(0, 320);
            fixed (byte* p = buffer)
            {
                byte* ip = p + distance;
                byte* limit = p + limitOffset;
                int scalar = Lz4PageMatch.CountScalar(ip, p, limit);
                Assert.Equal(scalar, Lz4PageMatch.Count(ip, p, limit));
                Assert.Equal(scalar, Lz4PageMatch.CountVector128(ip, p, limit));
                Assert.Equal(scalar, Lz4PageMatch.CountVector256(ip, p, limit));
                Assert.Equal(scalar, Lz4PageMatch.CountVector512(ip, p, limit));
            }
        }, iter: 3000, threads: 1);
    }
}
