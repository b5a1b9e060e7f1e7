using System.Net.Sockets;

namespace Mecom.Harness.Bridge;

/// <summary>
/// A read-only stream that remembers when its last byte arrived: QEMU keeps the migration socket open a
/// while after its last byte, so the end of the stream is no measure of when the data ended.
/// </summary>
internal sealed class TimedReads(Stream inner) : Stream
{
    public DateTimeOffset? LastByteAt { get; private set; }

    /// <summary>Whether a read would return at once (the parser sends a batch early when not).</summary>
    public bool DataAvailable => inner is not NetworkStream network || network.DataAvailable;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n = inner.Read(buffer);
        if (n > 0)
        {
            LastByteAt = DateTimeOffset.UtcNow;
        }

        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
