using Mecom.Codecs.Framing;

namespace Mecom.Tests.Framing;

/// <summary>A record's header is written and read in one place: it round-trips, and a cut one is refused.</summary>
public class RecordHeaderTests
{
    [Fact]
    public void A_record_header_round_trips()
    {
        byte[] frame = new byte[3 + BatchFrame.RecordHeaderBytes];
        BatchFrame.WriteRecordHeader(frame.AsSpan(3), 1L << 40, new PageFate(BatchFrame.KindDelta, 777), 0x0123456789ABCDEF);
        Assert.Equal(new BatchFrame.RecordHeader(1UL << 40, BatchFrame.KindDelta, 777, 0x0123456789ABCDEF), BatchFrame.ReadRecordHeader(frame, 3, 0, 1));
        Assert.Equal(BatchFrame.KindDelta, frame[3 + BatchFrame.RecordKindOffset]);
        Assert.Equal(777, BitConverter.ToInt32(frame, 3 + BatchFrame.RecordLengthOffset));
    }

    [Fact]
    public void A_truncated_record_header_is_refused_naming_the_record()
    {
        byte[] frame = new byte[BatchFrame.RecordHeaderBytes];
        for (int cut = 0; cut < frame.Length; cut++)
        {
            byte[] shorter = frame[..cut];
            var e = Assert.Throws<FrameFormatException>(() => BatchFrame.ReadRecordHeader(shorter, 0, 4, 9));
            Assert.Contains("record 4 of 9: truncated record header", e.Message);
        }
    }
}
