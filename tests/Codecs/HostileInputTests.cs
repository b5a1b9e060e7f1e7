using CsCheck;
using Mecom.Codecs;
using Mecom.Tests.Support;

namespace Mecom.Tests.Codecs;

/// <summary>
/// Decoders meet truncated, bit-flipped, oversized and random input. The only exception allowed is
/// <see cref="CorruptPageException"/>, and nothing is written outside the page. A mangled input that still
/// decodes to some page is allowed (LZ formats cannot tell): the per-page hash catches that upstream.
/// </summary>
public class HostileInputTests
{
    private const int Guard = 64;

    public static TheoryData<string> Codecs => new(CodecRegistry.DefaultSet.Select(s => s.ToString()));

    private static readonly (string Name, byte[] Page)[] Seeds =
        TestPages.Adversarial(4096).Where(p => p.Name is "text" or "pointer-like" or "similar highs" or "small ints"
            or "zero runs then noise" or "ascending u32" or "all 0xCC").ToArray();

    private static void DecodeGuarded(IPageCodec codec, byte[] input)
    {
        byte[] buffer = new byte[4096 + 2 * Guard];
        buffer.AsSpan().Fill(0xA5);
        try
        {
            codec.Decompress(input, buffer.AsSpan(Guard, 4096));
        }
        catch (CorruptPageException)
        {
        }

        for (int i = 0; i < Guard; i++)
        {
            if (buffer[i] != 0xA5 || buffer[^(i + 1)] != 0xA5)
            {
                Assert.Fail($"{codec.Name} wrote outside the page");
            }
        }
    }

    private static byte[] Compressed(IPageCodec codec, byte[] page)
    {
        byte[] output = new byte[4096];
        int length = codec.Compress(page, output);
        return length > 0 ? output.AsSpan(0, length).ToArray() : [];
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public void Every_truncation_of_a_real_output_is_rejected_or_harmless(string codecName)
    {
        IPageCodec codec = CodecRegistry.Create(codecName);
        foreach (var (_, page) in Seeds)
        {
            byte[] full = Compressed(codec, page);
            for (int cut = 0; cut < full.Length; cut++)
            {
                byte[] truncated = full.AsSpan(0, cut).ToArray();
                byte[] back = new byte[4096];
                // A strict prefix must throw. Deflate alone may drop its last byte unnoticed: it can hold
                // nothing but the end-of-block code and padding, and the page then comes out exact.
                var e = Record.Exception(() => codec.Decompress(truncated, back));
                bool lenient = codecName.StartsWith("deflate", StringComparison.Ordinal) && cut == full.Length - 1
                    && back.AsSpan().SequenceEqual(page);
                if (e is null && !lenient)
                {
                    Assert.Fail($"{codecName}: a {cut}-byte prefix of a {full.Length}-byte output decoded without error");
                }

                Assert.True(e is null or CorruptPageException, $"{codecName}: {e?.GetType().Name}: {e?.Message}");
                DecodeGuarded(codec, truncated);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public void Bit_flips_and_byte_edits_throw_only_corrupt_page(string codecName)
    {
        IPageCodec codec = CodecRegistry.Create(codecName);
        byte[][] outputs = Seeds.Select(s => Compressed(codec, s.Page)).Where(o => o.Length > 0).ToArray();
        Gen.Select(Gen.Int[0, outputs.Length - 1], Gen.Int[0, 1 << 20], Gen.Int[0, 7], Gen.Byte, Gen.Int[0, 2])
            .Sample((which, position, bit, value, mode) =>
            {
                byte[] input = (byte[])outputs[which].Clone();
                int at = position % input.Length;
                switch (mode)
                {
                    case 0: input[at] ^= (byte)(1 << bit); break;
                    case 1: input[at] = value; break;
                    default: input[at] ^= 0xFF; input[(at * 7 + 3) % input.Length] ^= (byte)(1 << bit); break;
                }

                DecodeGuarded(codec, input);
            }, iter: 3000, threads: 1);
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public void Random_and_oversized_input_throws_only_corrupt_page(string codecName)
    {
        IPageCodec codec = CodecRegistry.Create(codecName);
        Gen.Byte.Array[0, 9000].Sample(input => DecodeGuarded(codec, input), iter: 1500, threads: 1);

        // A valid output followed by junk: either rejected or a page; never an overrun.
        foreach (var (_, page) in Seeds)
        {
            byte[] output = Compressed(codec, page);
            byte[] longer = [.. output, .. new byte[5000]];
            DecodeGuarded(codec, longer);
        }
    }
}
