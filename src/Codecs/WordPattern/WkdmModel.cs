using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Mecom.Codecs.Pages;

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
/// The WKdm modelling pass: classifies each word against the dictionary without packing anything.
/// </summary>
/// <remarks>
/// The encoder runs the same loop (<see cref="Classify{TSink}"/>) with a sink that records what to pack;
/// here the sink only counts, which is what the MECOM selector needs to pick a codec.
/// </remarks>
public static class WkdmModel
{
    /// <summary>Counts the tags of <paramref name="page"/> and predicts the encoded size exactly.</summary>
    public static WkdmStats Analyze(ReadOnlySpan<byte> page)
    {
        PageCodec.ValidatePageSize(page.Length);
        int words = page.Length / 4;
        if (SameFilledPage.TryGetFillValue(page, out _))
        {
            bool zero = ZeroPage.IsZero(page[..8]);
            return new WkdmStats(words, zero ? words : 0, 0, 0, 0, SingleValue: true);
        }

        var counter = new CountingSink();
        Classify(MemoryMarshal.Cast<byte, uint>(page), ref counter);
        return new WkdmStats(words, words - counter.Exact - counter.Partial - counter.Miss,
            counter.Exact, counter.Partial, counter.Miss, SingleValue: false);
    }

    /// <summary>
    /// The one dictionary loop. Branch-free per word: every output slot is written and its cursor advanced
    /// by the tag's flag, so unpredictable tag sequences cost no mispredictions. Runs of 16 zero words are
    /// skipped whole, since zero words never touch the dictionary.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Classify<TSink>(ReadOnlySpan<uint> words, ref TSink sink)
        where TSink : struct, IWkdmSink
    {
        Span<uint> dictionary = stackalloc uint[16];
        dictionary.Fill(WkdmFormat.DictionaryInitialValue);
        ref uint dict = ref MemoryMarshal.GetReference(dictionary);
        ref uint src = ref MemoryMarshal.GetReference(words);
        int count = words.Length;
        for (int block = 0; block < count; block += 16)
        {
            if (IsZeroBlock(ref Unsafe.Add(ref src, block)))
            {
                sink.ZeroBlock(block);
                continue;
            }

            for (int i = block; i < block + 16; i++)
            {
                uint w = Unsafe.Add(ref src, i);
                uint h = WkdmFormat.Hash(w);
                ref uint entry = ref Unsafe.Add(ref dict, h);
                uint d = entry;
                uint nonZero = w != 0 ? 1u : 0u;
                uint high = ((w ^ d) >> 10) == 0 ? 1u : 0u;
                uint exact = w == d ? 1u : 0u;
                // exact 3, partial 1, miss 2, zero 0: see WkdmFormat.
                uint tag = nonZero * (2 - high + 2 * exact);
                sink.Word(i, tag, h, w);
                entry = nonZero != 0 ? w : d;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsZeroBlock(ref uint words)
    {
        ref byte bytes = ref Unsafe.As<uint, byte>(ref words);
        if (Vector512.IsHardwareAccelerated)
        {
            return Vector512.LoadUnsafe(ref bytes) == Vector512<byte>.Zero;
        }

        if (Vector256.IsHardwareAccelerated)
        {
            return (Vector256.LoadUnsafe(ref bytes) | Vector256.LoadUnsafe(ref bytes, 32)) == Vector256<byte>.Zero;
        }

        if (Vector128.IsHardwareAccelerated)
        {
            return (Vector128.LoadUnsafe(ref bytes) | Vector128.LoadUnsafe(ref bytes, 16)
                  | Vector128.LoadUnsafe(ref bytes, 32) | Vector128.LoadUnsafe(ref bytes, 48)) == Vector128<byte>.Zero;
        }

        ref ulong q = ref Unsafe.As<uint, ulong>(ref words);
        return (q | Unsafe.Add(ref q, 1) | Unsafe.Add(ref q, 2) | Unsafe.Add(ref q, 3)
              | Unsafe.Add(ref q, 4) | Unsafe.Add(ref q, 5) | Unsafe.Add(ref q, 6) | Unsafe.Add(ref q, 7)) == 0;
    }

    private struct CountingSink : IWkdmSink
    {
        public int Exact;
        public int Partial;
        public int Miss;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void ZeroBlock(int firstWord)
        {
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Word(int index, uint tag, uint entry, uint word)
        {
            Exact += (int)(tag >> 1 & tag);
            Partial += tag == WkdmFormat.TagPartial ? 1 : 0;
            Miss += tag == WkdmFormat.TagMiss ? 1 : 0;
        }
    }
}

/// <summary>Receives the classification of each word, in order.</summary>
internal interface IWkdmSink
{
    /// <summary>Words firstWord..firstWord+15 are all zero.</summary>
    void ZeroBlock(int firstWord);

    void Word(int index, uint tag, uint entry, uint word);
}
