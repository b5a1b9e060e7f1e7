using Mecom.Codecs;
using Mecom.Codecs.Framing;

namespace Mecom.Tests.Framing;

/// <summary>The page plan: the one rule the frame builder executes and the simulator prices.</summary>
public class PagePlanTests
{
    [Theory]
    [InlineData(1.0, 100, BatchFrame.KindCompressed, 100)]
    [InlineData(1.0, PageCodec.DidNotFit, BatchFrame.KindRaw, 4096)]
    [InlineData(0.5, 2048, BatchFrame.KindCompressed, 2048)]
    [InlineData(0.5, 2049, BatchFrame.KindRaw, 4096)]
    public void A_page_goes_raw_when_it_does_not_shrink_or_passes_the_threshold(double rawAbove, int codecLength, byte kind, int length)
    {
        PageFate fate = new PagePlan(4096, rawAbove).Encoded(codecLength);
        Assert.Equal(new PageFate(kind, length), fate);
        Assert.Equal(BatchFrame.RecordHeaderBytes + length, fate.RecordBytes);
    }

    [Fact]
    public void A_delta_replaces_the_record_only_when_it_fits_the_room_given()
    {
        var plan = new PagePlan(4096, 1);
        PageFate raw = plan.Encoded(PageCodec.DidNotFit);
        PageFate small = plan.Encoded(40);
        Assert.Equal(4095, plan.DeltaRoom(raw));
        Assert.Equal(40, plan.DeltaRoom(small));
        Assert.Equal(small, PagePlan.WithDelta(small, PageCodec.DidNotFit));
        Assert.Equal(new PageFate(BatchFrame.KindDelta, 12), PagePlan.WithDelta(small, 12));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.01)]
    public void A_threshold_outside_the_page_is_refused(double rawAbove) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new PagePlan(4096, rawAbove));

    [Fact]
    public void The_frame_builder_sends_each_page_as_the_plan_says()
    {
        // A zero page shrinks far below a quarter page; one half noise does not, and goes raw.
        byte[] memory = new byte[2 * 4096];
        new Random(3).NextBytes(memory.AsSpan(4096 + 2048, 2048));
        IPageCodec lz4 = CodecRegistry.Create("lz4");
        var builder = new FrameBuilder(4096, 2);
        var plan = new PagePlan(4096, 0.25);
        FrameStats stats = builder.Build(memory, [0, 1], lz4, rawAbove: 0.25);
        byte[] output = new byte[4096];
        int expected = BatchFrame.HeaderBytes(lz4.Name)
            + plan.Encoded(lz4.Compress(memory.AsSpan(0, 4096), output)).RecordBytes
            + plan.Encoded(lz4.Compress(memory.AsSpan(4096, 4096), output)).RecordBytes;
        Assert.Equal(expected, builder.Frame.Length);
        Assert.Equal((1, 1), (stats.Compressed, stats.Raw));
    }
}
