namespace Mecom.Harness.Migration.Protocol;

/// <summary>
/// A connection that counts what crosses it and lets several threads write whole messages: the target's
/// progress reports and its answers share one socket.
/// </summary>
public sealed class CountingStream(Stream inner) : Stream
{
    private long read;
    private long written;

    public object WriteLock { get; } = new();

    /// <summary>Set once the handshake has derived session keys: every message after it is authenticated.</summary>
    public MessageMac? Mac { get; set; }

    public long BytesRead => Interlocked.Read(ref read);

    public long BytesWritten => Interlocked.Read(ref written);

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n = inner.Read(buffer);
        Interlocked.Add(ref read, n);
        return n;
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        inner.Write(buffer);
        Interlocked.Add(ref written, buffer.Length);
    }

    public override void Flush() => inner.Flush();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
