using System.Runtime.InteropServices;
using Mecom.Codecs.Pages;
using Mecom.Codecs.Simd;

namespace Mecom.Codecs.WordPattern;

/// <summary>How WKdm sees one page: the tag counts and the exact size the codec would write.</summary>
/// <param name="Words">Words in the page.</param>
/// <param name="Zero">Words that are 0.</param>
/// <param name="Exact">Words equal to their dictionary entry.</param>
/// <param name="Partial">Words matching their entry's high 22 bits.</param>
/// <param name="Miss">Words sent whole.</param>
/// <param name="SingleValue">The page is one 64-bit value repeated (then the codec writes 12 bytes).</param>
public readonly record struct WkdmStats(int Words, int Zero, int Exact, int Partial, int Miss, bool SingleValue)
{
    /// <summary>Exactly what <see cref="WkdmCodec.Compress"/> writes, when that is below the page size.</summary>
    public int Size => SingleValue
        ? WkdmFormat.SingleValueBytes
        : WkdmFormat.SizeOf(Words, Exact, Partial, Miss);

    /// <summary>Share of words WKdm encodes in less than a full word: the MECOM word-similarity score.</summary>
    public double Similarity => Words == 0 ? 0 : (double)(Zero + Exact + Partial) / Words;
}

/// <summary>
/// The WKdm modelling pass: the encoder's tagging without gathering or packing, which is what the MECOM
/// selector needs to pick a codec (the size follows from the counts, <see cref="WkdmFormat.SizeOf"/>).
/// </summary>
public static class WkdmModel
{
    [ThreadStatic]
    private static Scratch? scratch;

    /// <summary>Counts the tags of <paramref name="page"/> and predicts the encoded size exactly.</summary>
    public static WkdmStats Analyze(ReadOnlySpan<byte> page) => Analyze(page, SimdTiers.Best);

    internal static WkdmStats Analyze(ReadOnlySpan<byte> page, SimdTier tier)
    {
        PageCodec.ValidatePageSize(page.Length);
        int words = page.Length / 4;
        if (SameFilledPage.TryGetFillValue(page, out ulong value))
        {
            return new WkdmStats(words, value == 0 ? words : 0, 0, 0, 0, SingleValue: true);
        }

        Scratch s = scratch is { } cached && cached.Tags.Length >= words ? cached : scratch = new Scratch(words);
        WkdmClassifier.Tags(MemoryMarshal.Cast<byte, uint>(page), s.Tags, s.Slots, s.Previous, tier);
        (int exact, int partial, int miss) = WkdmClassifier.Count(s.Tags.AsSpan(0, words), tier);
        return new WkdmStats(words, words - exact - partial - miss, exact, partial, miss, SingleValue: false);
    }

    private sealed class Scratch(int words)
    {
        public byte[] Tags { get; } = new byte[words];

        public uint[] Slots { get; } = new uint[words];

        public uint[] Previous { get; } = new uint[words];
    }
}
