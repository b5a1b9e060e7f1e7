using System.Text.Json.Nodes;
using Mecom.Harness.Bridge;

namespace Mecom.Tests.Bridge;

public class QemuStreamParserTests
{
    [Theory]
    [MemberData(nameof(QemuFixtures.All), MemberType = typeof(QemuFixtures))]
    public void Every_fixture_rebuilds_byte_for_byte(string name)
    {
        byte[] stream = QemuFixtures.Read(name);
        var (counts, rebuilt) = QemuFixtures.RoundTrip(stream, strict: true);
        Assert.Null(counts.PassThrough);
        Assert.Equal(stream.Length, counts.Bytes);
        Assert.True(stream.AsSpan().SequenceEqual(rebuilt), "the rebuilt stream differs");
    }

    [Theory]
    [MemberData(nameof(QemuFixtures.All), MemberType = typeof(QemuFixtures))]
    public void Page_counts_match_what_QEMU_reported(string name)
    {
        var (counts, _) = QemuFixtures.RoundTrip(QemuFixtures.Read(name), strict: true);
        JsonNode ram = JsonNode.Parse(File.ReadAllText(Path.Combine(QemuFixtures.Folder, name + ".query-migrate.json")))!["return"]!["ram"]!;
        Assert.Equal("pc-i440fx-7.2", counts.Machine);
        Assert.Equal((ulong)ram["total"]!, counts.RamBytes);
        Assert.Equal((long)ram["duplicate"]!, counts.ZeroPages);
        Assert.Equal((long)ram["normal"]!, counts.NormalPages);
        Assert.Equal(0, counts.OtherPages);
        // One ram section per dirty sync plus the setup: START, a PART per iteration, the END.
        Assert.True(counts.Sections >= 3, $"{counts.Sections} ram sections");
        Assert.Equal(counts.Sections, counts.EndsOfSection);
        Assert.True(counts.DeviceStateBytes > 10_000, $"{counts.DeviceStateBytes} bytes of device state");
    }

    [Fact]
    public void The_default_stream_starts_as_the_design_note_says()
    {
        byte[] stream = QemuFixtures.Read("seabios-default");
        var records = QemuFixtures.Records(stream);
        Assert.Equal((QemuRecordKind.Header, 0L, 8), records[0]);
        Assert.Equal((QemuRecordKind.Configuration, 8L, 18), records[1]);
        Assert.Equal((QemuRecordKind.SectionStart, 26L, 17), records[2]);
        Assert.Equal(QemuRecordKind.RamBlocks, records[3].Kind);
        Assert.Equal(QemuRecordKind.DeviceState, records[^1].Kind);
        var (counts, _) = QemuFixtures.RoundTrip(stream, strict: true);
        Assert.Equal(8, counts.Blocks);
        Assert.Equal(0, counts.Commands);
    }

    [Theory]
    [MemberData(nameof(QemuFixtures.All), MemberType = typeof(QemuFixtures))]
    public void A_truncated_stream_is_named_and_only_whole_records_are_handed_on(string name)
    {
        byte[] stream = QemuFixtures.Read(name);
        var records = QemuFixtures.Records(stream);
        long deviceState = records.First(r => r.Kind == QemuRecordKind.DeviceState).Offset;
        var rng = new Random(23);
        foreach (long cut in new long[] { 0, 3, 8, 20, 26, 30, 60, 200 }.Concat(Enumerable.Range(0, 40).Select(_ => rng.NextInt64(1, deviceState))))
        {
            foreach (bool strict in new[] { true, false })
            {
                using var output = new MemoryStream();
                var e = Assert.Throws<QemuStreamException>(() =>
                    new QemuStreamParser(new MemoryStream(stream, 0, (int)cut), new QemuStreamWriter(output), strict).Run());
                Assert.True(e.Error is QemuStreamError.Truncated or QemuStreamError.Unrecognized, e.Message);
                byte[] forwarded = output.ToArray();
                Assert.True(forwarded.Length <= cut);
                Assert.True(stream.AsSpan(0, forwarded.Length).SequenceEqual(forwarded), $"cut at {cut}: forwarded bytes differ from the stream");
            }
        }
    }

    [Fact]
    public void A_reordered_stream_is_named_strictly_and_passed_through_exactly_otherwise()
    {
        byte[] stream = QemuFixtures.Read("seabios-default");
        var records = QemuFixtures.Records(stream);
        // Move the first PART section (header to footer) in front of the START.
        int start = records.FindIndex(r => r.Kind == QemuRecordKind.SectionStart);
        int part = records.FindIndex(r => r.Kind == QemuRecordKind.SectionPart);
        int footer = records.FindIndex(part, r => r.Kind == QemuRecordKind.Footer);
        long from = records[part].Offset, to = records[footer].Offset + records[footer].Length;
        long startAt = records[start].Offset;
        byte[] reordered = [.. stream[..(int)startAt], .. stream[(int)from..(int)to], .. stream[(int)startAt..(int)from], .. stream[(int)to..]];

        var e = Assert.Throws<QemuStreamException>(() => QemuFixtures.RoundTrip(reordered, strict: true));
        Assert.Equal(QemuStreamError.Unrecognized, e.Error);
        Assert.Equal(startAt + 1, e.Offset);
        var (counts, rebuilt) = QemuFixtures.RoundTrip(reordered, strict: false);
        Assert.NotNull(counts.PassThrough);
        Assert.Equal(startAt + 1, counts.PassThroughOffset);
        Assert.True(reordered.AsSpan().SequenceEqual(rebuilt));
    }

    [Theory]
    [InlineData(0x01, "flags")]   // FULL, obsolete: never sent by 7.2
    [InlineData(0x0a, "flags")]   // ZERO and PAGE at once
    [InlineData(0x200, "flags")]  // a flag 7.2 does not have
    public void A_page_word_with_unknown_flags_is_not_guessed(int flags, string expected)
    {
        byte[] stream = QemuFixtures.Read("seabios-default");
        var records = QemuFixtures.Records(stream);
        var page = records.First(r => r.Kind == QemuRecordKind.NormalPage);
        byte[] corrupt = (byte[])stream.Clone();
        long word = page.Offset;
        ulong value = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(corrupt.AsSpan((int)word));
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(corrupt.AsSpan((int)word), (value & ~0xfffUL) | (value & 0x20) | (uint)flags);
        var e = Assert.Throws<QemuStreamException>(() => QemuFixtures.RoundTrip(corrupt, strict: true));
        Assert.Contains(expected, e.Message);
        Assert.Equal(word, e.Offset);
        var (counts, rebuilt) = QemuFixtures.RoundTrip(corrupt, strict: false);
        Assert.Equal(word, counts.PassThroughOffset);
        Assert.True(corrupt.AsSpan().SequenceEqual(rebuilt));
    }

    [Fact]
    public void A_block_length_that_would_wrap_the_total_is_refused()
    {
        byte[] stream = QemuFixtures.Read("seabios-default");
        var blocks = QemuFixtures.Records(stream).First(r => r.Kind == QemuRecordKind.RamBlocks);
        byte[] corrupt = (byte[])stream.Clone();
        // The first block, "pc.ram": 8-byte setup word, counted name, then its be64 used_length.
        int length = (int)blocks.Offset + 8 + 1 + corrupt[blocks.Offset + 8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(corrupt.AsSpan(length), ulong.MaxValue - 4095);
        var e = Assert.Throws<QemuStreamException>(() => QemuFixtures.RoundTrip(corrupt, strict: true));
        Assert.Contains("does not fit", e.Message);
    }

    [Fact]
    public void Random_corruption_gives_a_named_error_or_the_exact_stream()
    {
        byte[] stream = QemuFixtures.Read("seabios-default");
        long deviceState = QemuFixtures.Records(stream).First(r => r.Kind == QemuRecordKind.DeviceState).Offset;
        var rng = new Random(7);
        for (int trial = 0; trial < 200; trial++)
        {
            byte[] corrupt = (byte[])stream.Clone();
            for (int k = rng.Next(1, 4); k > 0; k--)
            {
                corrupt[rng.NextInt64(0, deviceState)] ^= (byte)rng.Next(1, 256);
            }

            try
            {
                var (_, rebuilt) = QemuFixtures.RoundTrip(corrupt, strict: false);
                Assert.True(corrupt.AsSpan().SequenceEqual(rebuilt), $"trial {trial}: the rebuilt stream differs");
            }
            catch (QemuStreamException)
            {
                // Named: a corrupted length can make the rest look truncated.
            }
        }
    }
}
