using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.InteropServices;

namespace Mecom.Codecs.WordPattern;

/// <summary>
/// The decoder's data-parallel step: spreads the packed streams (miss words, indices, low bits) out to
/// the word positions their tags give, for 16 words at a time.
/// </summary>
/// <remarks>
/// An "expand" (the inverse of a stream compaction): for each group of 4 words, the 4-bit mask of lanes
/// that take a stream value picks a byte shuffle from a 16-entry table, which moves the next values of the
/// stream into those lanes and zeroes the rest (<see cref="LaneShuffle"/>: pshufb on x64, tbl on Arm64).
/// The decoder's scalar twin (<c>WkdmCodec.RebuildScalar</c>) walks the words one by one instead.
/// </remarks>
internal unsafe ref struct WkdmExpand
{


    private readonly uint* missStart;
    private readonly byte* indexStart;
    private readonly uint* lowStart;
    private uint* miss;
    private byte* index;
    private uint* low;

    /// <summary>Starts at the first entry of each stream; the caller keeps the streams pinned.</summary>
    public WkdmExpand(uint* misses, byte* indices, uint* lows)
    {
        missStart = miss = misses;
        indexStart = index = indices;
        lowStart = low = lows;
    }

    /// <summary>How many of each stream the blocks so far consumed.</summary>
    public readonly (int Miss, int Index, int Partial) Counts =>
        ((int)(miss - missStart), (int)(index - indexStart), (int)(low - lowStart));

    /// <summary>
    /// For 16 words, writes to <paramref name="dst"/> all that does not need the dictionary (the miss word
    /// or the low bits, 0 elsewhere), to <paramref name="slots"/> the dictionary slot each word reads and
    /// writes (its index, the hash of its miss word, or the spare slot 16 for zero words, so they need no
    /// special case), and to <paramref name="entryMasks"/> which bits of the slot's entry the word takes.
    /// Returns false for a block of ZERO tags, after zeroing <paramref name="dst"/>: nothing else to do.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Block(byte* tag, uint* dst, uint* slots, uint* entryMasks)
    {
        Vector128<byte> tags = Vector128.Load(tag);
        if (tags == Vector128<byte>.Zero)
        {
            Vector128<uint>.Zero.Store(dst);
            Vector128<uint>.Zero.Store(dst + 4);
            Vector128<uint>.Zero.Store(dst + 8);
            Vector128<uint>.Zero.Store(dst + 12);
            return false;
        }

        uint missBits = Vector128.Equals(tags, Vector128.Create((byte)WkdmFormat.TagMiss)).ExtractMostSignificantBits();
        uint partialBits = Vector128.Equals(tags, Vector128.Create((byte)WkdmFormat.TagPartial)).ExtractMostSignificantBits();
        uint indexBits = Vector128.Equals(tags & Vector128<byte>.One, Vector128<byte>.One).ExtractMostSignificantBits();
        ref Vector128<byte> words = ref MemoryMarshal.GetArrayDataReference(LaneShuffle.ExpandWords);
        ref Vector128<byte> bytes = ref MemoryMarshal.GetArrayDataReference(LaneShuffle.ExpandBytes);
        for (int g = 0; g < 16; g += 4, missBits >>= 4, partialBits >>= 4, indexBits >>= 4)
        {
            uint missMask = missBits & 0xF;
            uint partialMask = partialBits & 0xF;
            uint indexMask = indexBits & 0xF;

            Vector128<uint> full = LaneShuffle.Shuffle(Vector128.Load((byte*)miss), Unsafe.Add(ref words, missMask)).AsUInt32();
            Vector128<uint> lowBits = LaneShuffle.Shuffle(Vector128.Load((byte*)low), Unsafe.Add(ref words, partialMask)).AsUInt32();
            (full | lowBits).Store(dst + g);

            // The 4 tags widened to 32-bit lanes: the next 4 bytes of the tag vector.
            Vector128<uint> t = LaneShuffle.Shuffle(tags, Unsafe.Add(ref bytes, 0xF) + Vector128.Create((byte)g)).AsUInt32();
            Vector128<uint> hashes = ((full >> 10) ^ (full >> 14)) & Vector128.Create(0xFu);
            Vector128<uint> entries = LaneShuffle.Shuffle(Vector128.Load(index), Unsafe.Add(ref bytes, indexMask)).AsUInt32();
            Vector128<uint> zero = Vector128.Equals(t, Vector128<uint>.Zero);
            // Lanes are disjoint: an index lane has no miss word (hash 0), a miss lane no index.
            (hashes | entries | (zero & Vector128.Create(WkdmFormat.SpareSlot))).Store(slots + g);
            (Vector128.Equals(t, Vector128.Create(WkdmFormat.TagExact))
             | (Vector128.Equals(t, Vector128.Create(WkdmFormat.TagPartial)) & Vector128.Create(~WkdmFormat.LowBitsMask))).Store(entryMasks + g);

            miss += BitOperations.PopCount(missMask);
            low += BitOperations.PopCount(partialMask);
            index += BitOperations.PopCount(indexMask);
        }

        return true;
    }
}
