namespace Mecom.Tests.Migration;

/// <summary>Every message's payload reads back what was written, and a payload of the wrong size is refused by name.</summary>
public class WireMessageTests
{
    [Fact]
    public void A_hello_round_trips()
    {
        HelloMessage hello = HelloMessage.For(16384, 1L << 33, 256, 2.5, 4, 123_456);
        Assert.Equal(new HelloMessage(16384, 1UL << 33, 256, 2500, 4, 123_456), hello);
        Assert.Equal(hello, HelloMessage.Read(hello.ToPayload()));
    }

    [Fact]
    public void A_hello_is_refused_for_its_size_magic_version_or_page_size()
    {
        byte[] good = HelloMessage.For(4096, 64, 16, 0).ToPayload();
        Assert.Contains("a hello is 31 bytes, this one 30", Refusal(() => HelloMessage.Read(good[..^1])));
        Assert.Contains("a hello is 31 bytes, this one 0", Refusal(() => HelloMessage.Read([])));
        Assert.Contains("magic", Refusal(() => HelloMessage.Read(new byte[HelloMessage.Bytes])));
        byte[] version = good.ToArray();
        version[4] = 9;
        Assert.Contains("protocol version 9", Refusal(() => HelloMessage.Read(version)));
        Assert.Contains("page size 4097", Refusal(() => HelloMessage.Read((HelloMessage.Read(good) with { PageSize = 4097 }).ToPayload())));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_challenge_round_trips_with_a_fresh_nonce(bool tokenRequired)
    {
        byte[] first = ChallengeMessage.NewPayload(tokenRequired);
        byte[] second = ChallengeMessage.NewPayload(tokenRequired);
        ChallengeMessage read = ChallengeMessage.Read(first);
        Assert.Equal(tokenRequired, read.TokenRequired);
        Assert.Equal(Wire.NonceBytes, read.Nonce.Length);
        Assert.False(read.Nonce.SequenceEqual(ChallengeMessage.Read(second).Nonce));
        Assert.Contains("a challenge is 33 bytes", Refusal(() => ChallengeMessage.Read(first.AsSpan(0, 32))));
    }

    [Fact]
    public void The_fixed_size_messages_round_trip_and_refuse_a_short_payload()
    {
        Span<byte> round = stackalloc byte[RoundEndMessage.Bytes];
        new RoundEndMessage(41).Write(round);
        Assert.Equal(41, RoundEndMessage.Read(round).Round);
        Assert.Contains("a round end is 4 bytes, this one 3", Refusal(() => RoundEndMessage.Read(new byte[3])));

        var done = new DoneMessage(123_456_789_012, 98_765);
        Assert.Equal(done, DoneMessage.Read(done.ToPayload()));
        Assert.Contains("a done is 16 bytes, this one 15", Refusal(() => DoneMessage.Read(done.ToPayload()[..15])));

        Span<byte> progress = stackalloc byte[ProgressMessage.Bytes];
        new ProgressMessage(1L << 40).Write(progress);
        Assert.Equal(1L << 40, ProgressMessage.Read(progress).BytesReceived);
        Assert.Contains("a progress report is 8 bytes", Refusal(() => ProgressMessage.Read(new byte[7])));

        Assert.True(VerdictMessage.Read(new VerdictMessage(true).ToPayload()).Exact);
        Assert.False(VerdictMessage.Read(new VerdictMessage(false).ToPayload()).Exact);
        Assert.Contains("a verdict is 1 bytes, this one 0", Refusal(() => VerdictMessage.Read([])));
    }

    [Fact]
    public void A_message_written_is_read_back_with_its_type_and_a_cut_one_is_refused()
    {
        var stream = new MemoryStream();
        byte[] payload = new DoneMessage(5, 6).ToPayload();
        Wire.Write(stream, Wire.Done, payload);
        Assert.Equal(Wire.MessageBytes(payload.Length), stream.Length);
        byte[] bytes = stream.ToArray();
        Assert.True(Wire.TryRead(new MemoryStream(bytes), DoneMessage.Bytes, out byte type, out byte[] buffer, out int n));
        Assert.Equal((Wire.Done, new DoneMessage(5, 6)), (type, DoneMessage.Read(buffer.AsSpan(0, n))));
        for (int cut = 1; cut < bytes.Length; cut++)
        {
            var e = Assert.Throws<WireException>(() => Wire.TryRead(new MemoryStream(bytes[..cut]), DoneMessage.Bytes, out _, out _, out _));
            Assert.Contains(cut < Wire.HeaderBytes ? "inside a message header" : "inside a message of type 0x81", e.Message);
        }
    }

    private delegate void Reading();

    private static string Refusal(Reading read) => Assert.Throws<WireException>(() => read()).Message;
}
