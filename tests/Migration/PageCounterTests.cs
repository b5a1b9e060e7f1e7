using Mecom.Codecs;
using Mecom.Codecs.Framing;

namespace Mecom.Tests.Migration;

/// <summary>The keys pages count under: the harness names a codec's record classes.</summary>
public class PageCounterTests
{
    [Fact]
    public void A_codec_without_classes_counts_under_its_name_and_raw_and_delta_under_theirs()
    {
        var counts = new PageCounter();
        counts.Add(new FrameStats { Pages = 6, Raw = 1, Compressed = 3, Delta = 2 }, PageCounter.KeysFor(CodecRegistry.Create("zstd:1")));
        Assert.Equal(new Dictionary<string, long> { ["raw"] = 1, ["zstd:1"] = 3, ["delta"] = 2 }, counts.ByKey);
    }

    [Fact]
    public void Every_record_class_of_mecom_is_named()
    {
        var codec = (IRecordClasses)CodecRegistry.Create("mecom");
        string[] keys = PageCounter.KeysFor((IPageCodec)codec);
        Assert.Equal(codec.RecordClassCount, keys.Length);
        Assert.Equal(keys.Length, keys.Distinct().Count());
    }
}
