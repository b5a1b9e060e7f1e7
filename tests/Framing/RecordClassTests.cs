using Mecom.Codecs;
using Mecom.Codecs.Framing;
using Mecom.Codecs.Selection;
using Mecom.Tests.Support;

namespace Mecom.Tests.Framing;

/// <summary>Framing counts a codec's record classes through <see cref="IRecordClasses"/>, knowing no codec.</summary>
public class RecordClassTests
{
    /// <summary>Stores a page as its first byte and a class, the first byte's parity: zero-filled pages only.</summary>
    private sealed class ParityCodec : IPageCodec, IRecordClasses
    {
        public string Name => "parity";

        public int RecordClassCount => 2;

        public int RecordClass(ReadOnlySpan<byte> record) => record[0] & 1;

        public int Compress(ReadOnlySpan<byte> page, Span<byte> destination)
        {
            destination[0] = page[0];
            return 1;
        }

        public void Decompress(ReadOnlySpan<byte> source, Span<byte> page) => throw new NotSupportedException();
    }

    [Fact]
    public void A_codec_with_record_classes_has_its_pages_counted_per_class()
    {
        byte[] memory = new byte[5 * 4096];
        for (int p = 0; p < 5; p++)
        {
            memory[p * 4096] = (byte)p;
        }

        FrameStats stats = new FrameBuilder(4096, 8).Build(memory, [0, 1, 2, 3, 4], new ParityCodec());
        Assert.Equal((5, 3, 2), (stats.Compressed, stats.Classes[0], stats.Classes[1]));
    }

    [Fact]
    public void Mecom_reports_each_record_by_its_tag()
    {
        byte[] memory = new byte[3 * 4096];
        memory.AsSpan(4096, 4096).Fill(0x5A);
        new Random(1).NextBytes(memory.AsSpan(2 * 4096, 1024));
        FrameStats stats = new FrameBuilder(4096, 4).Build(memory, [0, 1, 2], CodecRegistry.Create("mecom"));
        Assert.Equal(1, stats.Classes[MecomCodec.TagZero]);
        Assert.Equal(1, stats.Classes[MecomCodec.TagSameFilled]);
        Assert.Equal(1, stats.Classes[MecomCodec.TagGeneral]);
    }

    [Fact]
    public void No_codec_without_record_classes_gets_any()
    {
        byte[] memory = new byte[2 * 4096];
        FrameStats stats = new FrameBuilder(4096, 2).Build(memory, [0, 1], CodecRegistry.Create("lz4"));
        Assert.Equal(2, stats.Compressed);
        Assert.All(Enumerable.Range(0, FrameStats.MaxRecordClasses), c => Assert.Equal(0, stats.Classes[c]));
    }

    [Fact]
    public void Framing_names_no_codec_of_the_selection()
    {
        string folder = Path.Combine(Corpora.RepositoryRoot, "src", "Codecs", "Framing");
        string[] files = Directory.GetFiles(folder, "*.cs");
        Assert.NotEmpty(files);
        foreach (string file in files)
        {
            string text = File.ReadAllText(file);
            Assert.False(text.Contains("Codecs.Selection", StringComparison.Ordinal) || text.Contains("MecomCodec", StringComparison.Ordinal),
                $"{Path.GetFileName(file)} names the selection's codec");
        }
    }
}
