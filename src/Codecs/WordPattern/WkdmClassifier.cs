using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Mecom.Codecs.Simd;

namespace Mecom.Codecs.WordPattern;

/// <summary>
/// The encoder's side of WKdm: the tag of every word, then the miss words, indices and low bits
/// gathered into their streams.
/// </summary>
/// <remarks>
/// Only one thing in WKdm is sequential: what each dictionary entry holds when a word looks at it. So the
/// dictionary loop does nothing else: it records, per word, the entry it saw (<c>previous</c>) and stores
/// the word. Everything else is per-word arithmetic done in vectors: the slot (the hash of the word, or a
/// spare slot 16 for zero words, which never enter the dictionary), the tag from the word and the entry it
/// saw, and the streams, which are stream compactions: a 4-bit lane mask picks a byte shuffle (pshufb /
/// tbl) that packs the selected lanes to the front. Each step has a scalar twin.
/// </remarks>
internal static unsafe class WkdmClassifier
{


    /// <summary>Per-word tags (one byte each) of <paramref name="words"/>; scratch spans hold one entry per word.</summary>
    public static void Tags(ReadOnlySpan<uint> words, Span<byte> tags, Span<uint> slots, Span<uint> previous, SimdTier tier)
    {
        int count = words.Length;
        if (tags.Length < count || slots.Length < count || previous.Length < count || count % 16 != 0)
        {
            throw new ArgumentException("scratch shorter than the page, or a page not of whole 64-byte blocks");
        }

        if (tier == SimdTier.Scalar)
        {
            ScalarTags(words, tags);
            return;
        }

        ComputeSlots(words, slots, tier);
        uint* dict = stackalloc uint[WkdmFormat.SlotsWithSpare];
        new Span<uint>(dict, WkdmFormat.SlotsWithSpare).Fill(WkdmFormat.DictionaryInitialValue);

        fixed (uint* w = words)
        fixed (uint* slot = slots)
        fixed (uint* prev = previous)
        {
            for (int i = 0; i < count; i++)
            {
                uint h = slot[i];
                prev[i] = dict[h];
                dict[h] = w[i];
            }
        }

        ComputeTags(words, previous, tags, tier);
    }

    /// <summary>The scalar twin: Wilson &amp; Kaplan's loop, one word at a time.</summary>
    private static void ScalarTags(ReadOnlySpan<uint> words, Span<byte> tags)
    {
        Span<uint> dict = stackalloc uint[16];
        dict.Fill(WkdmFormat.DictionaryInitialValue);
        for (int i = 0; i < words.Length; i++)
        {
            uint w = words[i];
            uint h = WkdmFormat.Hash(w);
            uint d = dict[(int)h];
            uint tag = w == d ? WkdmFormat.TagExact
                : w == 0 ? WkdmFormat.TagZero
                : (w ^ d) >> 10 == 0 ? WkdmFormat.TagPartial
                : WkdmFormat.TagMiss;
            if (w != 0)
            {
                dict[(int)h] = w;
            }

            tags[i] = (byte)tag;
        }
    }

    private static void ComputeSlots(ReadOnlySpan<uint> words, Span<uint> slots, SimdTier tier)
    {
        // Whole pages of words: every width divides the length, so each loop ends exactly at it.
        ref byte src = ref Unsafe.As<uint, byte>(ref MemoryMarshal.GetReference(words));
        ref byte dst = ref Unsafe.As<uint, byte>(ref MemoryMarshal.GetReference(slots));
        nuint bytes = (nuint)words.Length * sizeof(uint);
        nuint i = 0;
        if (tier >= SimdTier.Vector512)
        {
            Slots<Tier512, Vector512<byte>>(ref src, ref dst, bytes, ref i);
        }

        if (tier >= SimdTier.Vector256)
        {
            Slots<Tier256, Vector256<byte>>(ref src, ref dst, bytes, ref i);
        }

        Slots<Tier128, Vector128<byte>>(ref src, ref dst, bytes, ref i);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Slots<TTier, TVector>(ref byte src, ref byte dst, nuint bytes, ref nuint i)
        where TTier : struct, IVectorTier<TVector>
        where TVector : struct
    {
        TVector nibble = TTier.Create(0xFu), spare = TTier.Create(WkdmFormat.SpareSlot);
        for (; i < bytes; i += (nuint)TTier.ByteCount)
        {
            TVector w = TTier.Load(ref src, i);
            TVector hash = TTier.And(TTier.Xor(TTier.ShiftRight<uint>(w, 10), TTier.ShiftRight<uint>(w, 14)), nibble);
            TTier.Store(TTier.Or(hash, TTier.And(TTier.Equals<uint>(w, TTier.Zero), spare)), ref dst, i);
        }
    }

    private static void ComputeTags(ReadOnlySpan<uint> words, ReadOnlySpan<uint> previous, Span<byte> tags, SimdTier tier)
    {
        ref uint w = ref MemoryMarshal.GetReference(words);
        ref uint d = ref MemoryMarshal.GetReference(previous);
        ref byte t = ref MemoryMarshal.GetReference(tags);
        nuint length = (nuint)words.Length;
        nuint i = 0;

        // Sixteen tags make one 16-byte store, so Vector512 gains nothing over Vector256 here.
        if (tier >= SimdTier.Vector256)
        {
            for (; i < length; i += 16)
            {
                Vector256<ushort> n = Vector256.Narrow(
                    Tag<Tier256, Vector256<byte>>(Vector256.LoadUnsafe(ref w, i).AsByte(), Vector256.LoadUnsafe(ref d, i).AsByte()).AsUInt32(),
                    Tag<Tier256, Vector256<byte>>(Vector256.LoadUnsafe(ref w, i + 8).AsByte(), Vector256.LoadUnsafe(ref d, i + 8).AsByte()).AsUInt32());
                Vector128.Narrow(n.GetLower(), n.GetUpper()).StoreUnsafe(ref t, i);
            }
        }

        for (; i < length; i += 16)
        {
            Vector128<uint> t0 = Tag<Tier128, Vector128<byte>>(Vector128.LoadUnsafe(ref w, i).AsByte(), Vector128.LoadUnsafe(ref d, i).AsByte()).AsUInt32();
            Vector128<uint> t1 = Tag<Tier128, Vector128<byte>>(Vector128.LoadUnsafe(ref w, i + 4).AsByte(), Vector128.LoadUnsafe(ref d, i + 4).AsByte()).AsUInt32();
            Vector128<uint> t2 = Tag<Tier128, Vector128<byte>>(Vector128.LoadUnsafe(ref w, i + 8).AsByte(), Vector128.LoadUnsafe(ref d, i + 8).AsByte()).AsUInt32();
            Vector128<uint> t3 = Tag<Tier128, Vector128<byte>>(Vector128.LoadUnsafe(ref w, i + 12).AsByte(), Vector128.LoadUnsafe(ref d, i + 12).AsByte()).AsUInt32();
            Vector128.Narrow(Vector128.Narrow(t0, t1), Vector128.Narrow(t2, t3)).StoreUnsafe(ref t, i);
        }
    }

    // tag = zero ? 0 : exact ? 3 : partial ? 1 : 2, i.e. 2 - high + 2*exact, masked off for zero words.
    // Comparison lanes are all-ones (-1), so "2 + high - 2*exact" computes exactly that.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector Tag<TTier, TVector>(TVector w, TVector d)
        where TTier : struct, IVectorTier<TVector>
        where TVector : struct
    {
        TVector zero = TTier.Equals<uint>(w, TTier.Zero);
        TVector exact = TTier.Equals<uint>(w, d);
        TVector high = TTier.Equals<uint>(TTier.ShiftRight<uint>(TTier.Xor(w, d), 10), TTier.Zero);
        TVector tag = TTier.Subtract<uint>(TTier.Add<uint>(TTier.Create(2u), high), TTier.Add<uint>(exact, exact));
        return TTier.Select(zero, TTier.Zero, tag);
    }

    /// <summary>Counts of each tag in <paramref name="tags"/>.</summary>
    public static (int Exact, int Partial, int Miss) Count(ReadOnlySpan<byte> tags, SimdTier tier)
    {
        int exact = 0, partial = 0, miss = 0;
        if (tier == SimdTier.Scalar)
        {
            foreach (byte t in tags)
            {
                exact += t == WkdmFormat.TagExact ? 1 : 0;
                partial += t == WkdmFormat.TagPartial ? 1 : 0;
                miss += t == WkdmFormat.TagMiss ? 1 : 0;
            }

            return (exact, partial, miss);
        }

        ref byte start = ref MemoryMarshal.GetReference(tags);
        for (nuint i = 0; i < (nuint)tags.Length; i += 16)
        {
            Vector128<byte> v = Vector128.LoadUnsafe(ref start, i);
            exact += BitOperations.PopCount(Vector128.Equals(v, Vector128.Create((byte)WkdmFormat.TagExact)).ExtractMostSignificantBits());
            partial += BitOperations.PopCount(Vector128.Equals(v, Vector128.Create((byte)WkdmFormat.TagPartial)).ExtractMostSignificantBits());
            miss += BitOperations.PopCount(Vector128.Equals(v, Vector128.Create((byte)WkdmFormat.TagMiss)).ExtractMostSignificantBits());
        }

        return (exact, partial, miss);
    }

    /// <summary>
    /// Gathers the miss words, the indices of EXACT and PARTIAL words and the low bits of PARTIAL words,
    /// in order, into their scratch streams (which must have 16 entries of slack). Returns the counts.
    /// </summary>
    public static (int Miss, int Index, int Partial) Gather(ReadOnlySpan<uint> words, ReadOnlySpan<byte> tags,
        Span<uint> misses, Span<byte> indices, Span<uint> lows, SimdTier tier)
    {
        if (tier == SimdTier.Scalar)
        {
            int m = 0, n = 0, p = 0;
            for (int i = 0; i < words.Length; i++)
            {
                uint w = words[i];
                switch (tags[i])
                {
                    case (byte)WkdmFormat.TagMiss:
                        misses[m++] = w;
                        break;
                    case (byte)WkdmFormat.TagPartial:
                        indices[n++] = (byte)WkdmFormat.Hash(w);
                        lows[p++] = w & WkdmFormat.LowBitsMask;
                        break;
                    case (byte)WkdmFormat.TagExact:
                        indices[n++] = (byte)WkdmFormat.Hash(w);
                        break;
                }
            }

            return (m, n, p);
        }

        if (misses.Length < words.Length + 16 || indices.Length < words.Length + 16 || lows.Length < words.Length + 16)
        {
            throw new ArgumentException("stream scratch needs 16 entries of slack");
        }

        fixed (uint* w = words)
        fixed (byte* tag = tags)
        fixed (uint* missStart = misses)
        fixed (byte* indexStart = indices)
        fixed (uint* lowStart = lows)
        {
            uint* miss = missStart;
            byte* index = indexStart;
            uint* low = lowStart;
            ref Vector128<byte> compactWords = ref MemoryMarshal.GetArrayDataReference(LaneShuffle.CompactWords);
            ref Vector128<byte> compactBytes = ref MemoryMarshal.GetArrayDataReference(LaneShuffle.CompactBytes);
            for (int block = 0; block < words.Length; block += 16)
            {
                Vector128<byte> t = Vector128.Load(tag + block);
                if (t == Vector128<byte>.Zero)
                {
                    continue;
                }

                uint missBits = Vector128.Equals(t, Vector128.Create((byte)WkdmFormat.TagMiss)).ExtractMostSignificantBits();
                uint partialBits = Vector128.Equals(t, Vector128.Create((byte)WkdmFormat.TagPartial)).ExtractMostSignificantBits();
                uint indexBits = Vector128.Equals(t & Vector128<byte>.One, Vector128<byte>.One).ExtractMostSignificantBits();
                for (int g = block; g < block + 16; g += 4, missBits >>= 4, partialBits >>= 4, indexBits >>= 4)
                {
                    uint missMask = missBits & 0xF;
                    uint partialMask = partialBits & 0xF;
                    uint indexMask = indexBits & 0xF;
                    Vector128<uint> v = Vector128.Load(w + g);
                    LaneShuffle.Shuffle(v.AsByte(), Unsafe.Add(ref compactWords, missMask)).Store((byte*)miss);
                    LaneShuffle.Shuffle((v & Vector128.Create(WkdmFormat.LowBitsMask)).AsByte(), Unsafe.Add(ref compactWords, partialMask)).Store((byte*)low);
                    Vector128<uint> hashes = ((v >> 10) ^ (v >> 14)) & Vector128.Create(0xFu);
                    LaneShuffle.Shuffle(hashes.AsByte(), Unsafe.Add(ref compactBytes, indexMask)).Store(index);
                    miss += BitOperations.PopCount(missMask);
                    low += BitOperations.PopCount(partialMask);
                    index += BitOperations.PopCount(indexMask);
                }
            }

            return ((int)(miss - missStart), (int)(index - indexStart), (int)(low - lowStart));
        }
    }
}
