using System.Buffers.Binary;
using CsCheck;
using Mecom.Codecs;
using Mecom.Codecs.Framing;
using Mecom.Codecs.Hashing;
using Mecom.Tests.Support;

namespace Mecom.Tests.Framing;

/// <summary>Batch frames round-trip on real memory, in order, on several workers; every kind of damage is caught.</summary>
public class BatchFrameTests
{
    private static byte[] Memory() => Corpora.Shipped().First(e => e.Name == "python-sqlite").ReadAllPages();

    // The damage tests decode thousands of times: a 256-page slice keeps each decode's target small.
    private static byte[] SmallMemory() => Memory()[..(256 * 4096)];

    private static List<byte[]> Frames(byte[] memory, IReadOnlyList<long> indices, string codec = "mecom", int workers = 2, int batch = 128)
    {
        var frames = new List<byte[]>();
        using var compressor = new BatchCompressor(CodecRegistry.Parse(codec), 4096, workers, batch);
        compressor.Compress(memory, indices, frame => frames.Add(frame.ToArray()));
        return frames;
    }

    [Theory]
    [InlineData("mecom", 2, 128)]
    [InlineData("lz4", 1, 100)]
    [InlineData("wkdm", 2, 7)]
    public void Every_page_arrives_exactly_whatever_the_workers_and_batch_size(string codec, int workers, int batch)
    {
        byte[] memory = Memory();
        long pages = memory.Length / 4096;
        // A pre-copy round sends pages in any order; frames must keep it.
        long[] order = Enumerable.Range(0, (int)pages).Select(i => (long)((i * 7919L) % pages)).ToArray();
        List<byte[]> frames = Frames(memory, order, codec, workers, batch);
        Assert.Equal((pages + batch - 1) / batch, frames.Count);
        Assert.Equal(order.Take(batch), ReadIndices(frames[0]));

        byte[] target = new byte[memory.Length];
        using var decompressor = new BatchDecompressor(workers);
        Assert.Equal(pages, decompressor.DecompressAll(frames.Select(f => (ReadOnlyMemory<byte>)f).ToArray(), target));
        Assert.True(memory.AsSpan().SequenceEqual(target));
    }

    private static IEnumerable<long> ReadIndices(byte[] frame)
    {
        BatchFrame.Header header = BatchFrame.ReadHeader(frame);
        int at = header.Length;
        for (int i = 0; i < header.Pages; i++)
        {
            BatchFrame.RecordHeader record = BatchFrame.ReadRecordHeader(frame, at, i, header.Pages);
            yield return (long)record.Index;
            at += BatchFrame.RecordHeaderBytes + (int)record.Length;
        }
    }

    private static Exception? Decode(byte[] frame, int pages)
    {
        byte[] target = new byte[pages * 4096];
        using var decompressor = new BatchDecompressor(1);
        return Record.Exception(() => decompressor.Decompress(frame, target));
    }

    private static bool Detected(Exception? e) => e is FrameFormatException or CorruptPageException or PageMismatchException;

    [Fact]
    public void Every_truncation_is_detected()
    {
        byte[] memory = SmallMemory();
        byte[] frame = Frames(memory, Enumerable.Range(0, 12).Select(i => (long)i * 17).ToArray())[0];
        for (int cut = 0; cut < frame.Length; cut++)
        {
            Exception? e = Decode(frame[..cut], memory.Length / 4096);
            Assert.True(Detected(e), $"a frame cut to {cut} of {frame.Length} bytes gave {e?.GetType().Name ?? "no error"}");
        }
    }

    [Fact]
    public void Bit_flips_anywhere_are_detected_and_never_pass_silently()
    {
        byte[] memory = SmallMemory();
        int pages = memory.Length / 4096;
        byte[] frame = Frames(memory, Enumerable.Range(0, 16).Select(i => (long)i * 15).ToArray())[0];
        Gen.Int[0, frame.Length * 8 - 1].Sample(bit =>
        {
            byte[] damaged = (byte[])frame.Clone();
            damaged[bit / 8] ^= (byte)(1 << (bit % 8));
            Exception? e = Decode(damaged, pages);
            // A flip in a payload byte the decoder ignores (e.g. WKdm padding) still decodes the right page:
            // then the hash proves it right, which is the only acceptable silent outcome.
            if (e is null)
            {
                byte[] target = new byte[memory.Length];
                using var decompressor = new BatchDecompressor(1);
                decompressor.Decompress(damaged, target);
                foreach (long index in ReadIndices(damaged))
                {
                    Assert.True(target.AsSpan((int)index * 4096, 4096).SequenceEqual(memory.AsSpan((int)index * 4096, 4096)),
                        $"flip of bit {bit} left page {index} wrong without an error");
                }
            }
            else
            {
                Assert.True(Detected(e), $"flip of bit {bit}: {e.GetType().Name}: {e.Message}");
            }
        }, iter: 2000, threads: 1);
    }

    [Fact]
    public void Wrong_lengths_counts_indices_and_hashes_are_each_named()
    {
        byte[] memory = SmallMemory();
        int pages = memory.Length / 4096;
        byte[] frame = Frames(memory, [3, 5, 8])[0];
        int first = BatchFrame.ReadHeader(frame).Length;

        byte[] wrongHash = (byte[])frame.Clone();
        wrongHash[first + 13] ^= 1;
        var mismatch = Assert.IsType<PageMismatchException>(Decode(wrongHash, pages));
        Assert.Equal(3, mismatch.PageIndex);

        byte[] longLength = (byte[])frame.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(longLength.AsSpan(first + 9), 1 << 30);
        Assert.Contains("runs past the frame's end", Assert.IsType<FrameFormatException>(Decode(longLength, pages)).Message);

        byte[] badIndex = (byte[])frame.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(badIndex.AsSpan(first), (ulong)pages);
        Assert.Contains("beyond the target", Assert.IsType<FrameFormatException>(Decode(badIndex, pages)).Message);

        byte[] manyPages = (byte[])frame.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(manyPages.AsSpan(first - 8), 1_000_000);
        Assert.Contains("cannot fit", Assert.IsType<FrameFormatException>(Decode(manyPages, pages)).Message);

        byte[] extra = [.. frame, 0];
        Assert.IsType<FrameFormatException>(Decode(extra, pages));

        byte[] badCodec = (byte[])frame.Clone();
        badCodec[7] = (byte)'x';
        Assert.Contains("codec cannot be used", Assert.IsType<FrameFormatException>(Decode(badCodec, pages)).Message);
    }
}
