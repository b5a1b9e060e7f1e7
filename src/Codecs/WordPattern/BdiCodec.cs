using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Mecom.Codecs.Simd;

namespace Mecom.Codecs.WordPattern;

/// <summary>
/// Base-Delta-Immediate: a word-pattern codec built for vectors. Format in <see cref="BdiFormat"/>.
/// </summary>
/// <remarks>
/// Where WKdm walks the page through a dictionary, BΔI looks at each 64-byte block on its own, so the
/// choice of encoding (<see cref="BdiClassifier"/>) is a handful of whole-block vector compares, and the
/// vectors that prove an encoding fits are packed on the spot with one byte shuffle per 16 bytes. The
/// scalar twin classifies a whole page, then packs it one lane at a time; unpacking is one load and one
/// store per lane. The vector path stops as soon as the output passes what the caller offered, which is
/// how the selector asks "at most B/8 of a page?".
/// </remarks>
public sealed class BdiCodec : IPageCodec
{
    private readonly SimdTier tier;
    private BdiBlock[] blocks = [];
    private byte[] scratch = [];
    private int classifiedBlocks;

    /// <summary>A codec on this machine's best vector tier.</summary>
    public BdiCodec()
        : this(SimdTiers.Best)
    {
    }

    /// <summary>A codec that classifies on <paramref name="tier"/> (tests compare tiers).</summary>
    internal BdiCodec(SimdTier tier)
    {
        this.tier = tier;
    }

    public string Name => "bdi";

    public int Compress(ReadOnlySpan<byte> page, Span<byte> destination)
    {
        if (tier == SimdTier.Scalar)
        {
            int size = Classify(page);
            return size >= page.Length || size > destination.Length ? PageCodec.DidNotFit : Pack(page, destination);
        }

        // Vector tiers choose and pack each block in one pass (the vectors that proved an encoding are the
        // ones stored) into scratch with room for whole-vector stores, and stop once past the limit.
        PageCodec.ValidatePageSize(page.Length);
        int count = page.Length / BdiFormat.BlockBytes;
        int limit = Math.Min(destination.Length, page.Length - 1);
        if (scratch.Length < 2 * page.Length)
        {
            scratch = new byte[2 * page.Length];
        }

        int at = BdiClassifier.ClassifyAndPackPage(ref MemoryMarshal.GetReference(page), count, ref MemoryMarshal.GetArrayDataReference(scratch), limit, tier);
        if (at < 0)
        {
            return PageCodec.DidNotFit;
        }

        scratch.AsSpan(0, at).CopyTo(destination);
        return at;
    }

    /// <summary>
    /// Chooses every block's encoding and returns the exact compressed size (which may be the page size or
    /// more: then the page does not shrink). <see cref="Pack"/> writes what this chose. This pair is the
    /// scalar twin's path; the vector tiers classify and pack in one pass (<see cref="Compress"/>).
    /// </summary>
    internal int Classify(ReadOnlySpan<byte> page)
    {
        PageCodec.ValidatePageSize(page.Length);
        int count = page.Length / BdiFormat.BlockBytes;
        if (blocks.Length < count)
        {
            blocks = new BdiBlock[count];
        }

        ref byte start = ref MemoryMarshal.GetReference(page);
        ReadOnlySpan<byte> payload = BdiFormat.PayloadBytes;
        int size = BdiFormat.HeaderBytes(page.Length);
        for (int i = 0; i < count; i++)
        {
            BdiBlock block = BdiClassifier.Classify(ref Unsafe.Add(ref start, i * BdiFormat.BlockBytes));
            blocks[i] = block;
            size += payload[block.Id];
        }

        classifiedBlocks = count;
        return size;
    }

    /// <summary>Writes the page as <see cref="Classify"/> chose, into a destination at least that size; returns the size.</summary>
    internal int Pack(ReadOnlySpan<byte> page, Span<byte> destination)
    {
        int count = page.Length / BdiFormat.BlockBytes;
        if (count != classifiedBlocks)
        {
            throw new InvalidOperationException("Pack must follow Classify of the same page");
        }

        int header = BdiFormat.HeaderBytes(page.Length);
        ReadOnlySpan<byte> payload = BdiFormat.PayloadBytes;
        int size = header;
        for (int i = 0; i < count; i++)
        {
            size += payload[blocks[i].Id];
        }

        if (destination.Length < size)
        {
            throw new ArgumentException($"the destination holds {destination.Length} bytes, the page needs {size}", nameof(destination));
        }

        ref byte src = ref MemoryMarshal.GetReference(page);
        ref byte dst = ref MemoryMarshal.GetReference(destination);
        for (int i = 0; i < count; i += 2)
        {
            Unsafe.Add(ref dst, i / 2) = (byte)(blocks[i].Id | blocks[i + 1].Id << 4);
        }

        int at = header;
        for (int i = 0; i < count; i++)
        {
            BdiBlock block = blocks[i];
            ref byte from = ref Unsafe.Add(ref src, i * BdiFormat.BlockBytes);
            ref byte to = ref Unsafe.Add(ref dst, at);
            switch (block.Id)
            {
                case BdiFormat.Zeros:
                    break;
                case BdiFormat.Repeated:
                    Unsafe.WriteUnaligned(ref to, block.Base);
                    break;
                case BdiFormat.Raw:
                    Unsafe.CopyBlockUnaligned(ref to, ref from, BdiFormat.BlockBytes);
                    break;
                default:
                    PackBlock(ref from, block, ref to);
                    break;
            }

            at += payload[block.Id];
        }

        return size;
    }

    private static void PackBlock(ref byte block, BdiBlock b, ref byte to)
    {
        int k = BdiFormat.LaneBytesOf[b.Id];
        int maskBytes = BdiFormat.MaskBytesOf[b.Id];
        Unsafe.WriteUnaligned(ref to, b.Base); // k bytes matter; the rest is overwritten next
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref to, k), b.Mask);
        ref byte lanes = ref Unsafe.Add(ref to, k + maskBytes);
        long baseValue = BdiClassifier.Wrap((long)b.Base, k);
        switch (b.Id)
        {
            case 2: PackLanes<long, sbyte>(ref block, b.Mask, baseValue, ref lanes); break;
            case 3: PackLanes<long, short>(ref block, b.Mask, baseValue, ref lanes); break;
            case 4: PackLanes<long, int>(ref block, b.Mask, baseValue, ref lanes); break;
            case 5: PackLanes<int, sbyte>(ref block, b.Mask, baseValue, ref lanes); break;
            case 6: PackLanes<int, short>(ref block, b.Mask, baseValue, ref lanes); break;
            default: PackLanes<short, sbyte>(ref block, b.Mask, baseValue, ref lanes); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PackLanes<TLane, TDelta>(ref byte block, uint mask, long baseValue, ref byte to)
        where TLane : unmanaged, IBinaryInteger<TLane>
        where TDelta : unmanaged, IBinaryInteger<TDelta>
    {
        int k = Unsafe.SizeOf<TLane>(), d = Unsafe.SizeOf<TDelta>();
        for (int lane = 0; lane < BdiFormat.BlockBytes / k; lane++)
        {
            long value = long.CreateTruncating(Unsafe.ReadUnaligned<TLane>(ref Unsafe.Add(ref block, lane * k)));
            long from = baseValue & ((long)(mask >> lane & 1) - 1); // immediates are deltas from zero
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref to, lane * d), TDelta.CreateTruncating(value - from));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void UnpackLanes<TLane, TDelta>(ref byte from, uint mask, long baseValue, ref byte block)
        where TLane : unmanaged, IBinaryInteger<TLane>
        where TDelta : unmanaged, IBinaryInteger<TDelta>
    {
        int k = Unsafe.SizeOf<TLane>(), d = Unsafe.SizeOf<TDelta>();
        for (int lane = 0; lane < BdiFormat.BlockBytes / k; lane++)
        {
            long value = long.CreateTruncating(Unsafe.ReadUnaligned<TDelta>(ref Unsafe.Add(ref from, lane * d)));
            long add = baseValue & ((long)(mask >> lane & 1) - 1);
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref block, lane * k), TLane.CreateTruncating(value + add));
        }
    }

    public void Decompress(ReadOnlySpan<byte> source, Span<byte> page)
    {
        PageCodec.ValidatePageSize(page.Length);
        int count = page.Length / BdiFormat.BlockBytes;
        int header = BdiFormat.HeaderBytes(page.Length);
        if (source.Length < header)
        {
            throw new CorruptPageException(Name, $"{source.Length} bytes cannot hold the {header}-byte block table of a {page.Length}-byte page");
        }

        ReadOnlySpan<byte> payload = BdiFormat.PayloadBytes;
        ref byte dst = ref MemoryMarshal.GetReference(page);
        int at = header;
        for (int i = 0; i < count; i++)
        {
            int id = source[i / 2] >> (4 * (i & 1)) & 0xF;
            if (id > BdiFormat.Raw)
            {
                throw new CorruptPageException(Name, $"block {i} has encoding {id}; encodings are 0..{BdiFormat.Raw}");
            }

            int length = payload[id];
            if (source.Length - at < length)
            {
                throw new CorruptPageException(Name, $"block {i} (encoding {id}) needs {length} bytes at offset {at}, the input has {source.Length - at}");
            }

            ReadOnlySpan<byte> from = source.Slice(at, length);
            ref byte to = ref Unsafe.Add(ref dst, i * BdiFormat.BlockBytes);
            switch (id)
            {
                case BdiFormat.Zeros:
                    Unsafe.InitBlockUnaligned(ref to, 0, BdiFormat.BlockBytes);
                    break;
                case BdiFormat.Repeated:
                    MemoryMarshal.Cast<byte, ulong>(page.Slice(i * BdiFormat.BlockBytes, BdiFormat.BlockBytes)).Fill(MemoryMarshal.Read<ulong>(from));
                    break;
                case BdiFormat.Raw:
                    from.CopyTo(page.Slice(i * BdiFormat.BlockBytes, BdiFormat.BlockBytes));
                    break;
                default:
                    UnpackBlock(from, id, ref to);
                    break;
            }

            at += length;
        }

        if (at != source.Length)
        {
            throw new CorruptPageException(Name, $"{source.Length - at} bytes follow the last block");
        }
    }

    private static void UnpackBlock(ReadOnlySpan<byte> from, int id, ref byte block)
    {
        // The payload length was checked against the encoding, so every read below is inside 'from'.
        int k = BdiFormat.LaneBytesOf[id];
        int maskBytes = BdiFormat.BlockBytes / k / 8;
        ref byte src = ref MemoryMarshal.GetReference(from);
        long baseValue = BdiClassifier.Lane(ref src, 0, k);
        uint mask = maskBytes switch
        {
            1 => Unsafe.Add(ref src, k),
            2 => Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref src, k)),
            _ => Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref src, k)),
        };
        ref byte lanes = ref Unsafe.Add(ref src, k + maskBytes);
        switch (id)
        {
            case 2: UnpackLanes<long, sbyte>(ref lanes, mask, baseValue, ref block); break;
            case 3: UnpackLanes<long, short>(ref lanes, mask, baseValue, ref block); break;
            case 4: UnpackLanes<long, int>(ref lanes, mask, baseValue, ref block); break;
            case 5: UnpackLanes<int, sbyte>(ref lanes, mask, baseValue, ref block); break;
            case 6: UnpackLanes<int, short>(ref lanes, mask, baseValue, ref block); break;
            default: UnpackLanes<short, sbyte>(ref lanes, mask, baseValue, ref block); break;
        }
    }
}
