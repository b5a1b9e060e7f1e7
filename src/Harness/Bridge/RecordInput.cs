using System.Buffers.Binary;
using System.Net.Sockets;

namespace Mecom.Harness.Bridge;

/// <summary>
/// The parser's view of its input: one record at a time, read from the start of the record (the mark)
/// with big-endian accessors, so a record is only handed on once all of it has arrived and a record
/// that turns out not to be understood can still be passed on whole, as read.
/// </summary>
internal sealed class RecordInput(Stream input, Action? idle)
{
    /// <summary>The longest record kept whole: the ram block list of <see cref="QemuStreamFormat.MaxBlocks"/> blocks fits.</summary>
    public const int MaxRecord = 2 << 20;

    private byte[] buffer = new byte[64 * 1024];
    private int mark;
    private int end;
    private bool ended;

    /// <summary>Bytes of the stream before the current mark.</summary>
    public long MarkOffset { get; private set; }

    /// <summary>Makes the first <paramref name="length"/> bytes of the record available; false when the stream ends first.</summary>
    public bool Has(long length)
    {
        if (length > MaxRecord)
        {
            throw new QemuStreamException(QemuStreamError.OutOfRange, MarkOffset, $"a record of {length} bytes is longer than the {MaxRecord} the bridge keeps");
        }

        int want = (int)length;
        while (end - mark < want)
        {
            if (ended)
            {
                return false;
            }

            if (mark + want > buffer.Length)
            {
                // Move the record to the front, growing only for a record longer than the buffer.
                byte[] target = want > buffer.Length ? new byte[Math.Max(want, buffer.Length * 2)] : buffer;
                Buffer.BlockCopy(buffer, mark, target, 0, end - mark);
                end -= mark;
                mark = 0;
                buffer = target;
            }

            if (idle is not null && input is NetworkStream { DataAvailable: false } or TimedReads { DataAvailable: false })
            {
                idle();
            }

            int n = input.Read(buffer, end, buffer.Length - end);
            if (n == 0)
            {
                ended = true;
            }

            end += n;
        }

        return true;
    }

    /// <summary>Like <see cref="Has"/>, but a stream that ends first is truncated.</summary>
    public void Need(long length, string what)
    {
        if (!Has(length))
        {
            throw new QemuStreamException(QemuStreamError.Truncated, MarkOffset + (end - mark), $"the stream ended inside {what} ({end - mark} of {length} bytes)");
        }
    }

    /// <summary>True when the stream has ended with no byte after the mark.</summary>
    public bool AtEnd => !Has(1);

    /// <summary>Whatever has arrived after the mark, at least one byte unless the stream has ended.</summary>
    public ReadOnlySpan<byte> Available
    {
        get
        {
            Has(1);
            return buffer.AsSpan(mark, end - mark);
        }
    }

    public byte U8(int at) => buffer[mark + at];

    public ushort Be16(int at) => BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(mark + at));

    public uint Be32(int at) => BinaryPrimitives.ReadUInt32BigEndian(buffer.AsSpan(mark + at));

    public ulong Be64(int at) => BinaryPrimitives.ReadUInt64BigEndian(buffer.AsSpan(mark + at));

    public string Ascii(int at, int length) => System.Text.Encoding.Latin1.GetString(buffer, mark + at, length);

    /// <summary>The record's first <paramref name="length"/> bytes (all available), valid until the next read.</summary>
    public ReadOnlySpan<byte> Span(int length) => buffer.AsSpan(mark, length);

    /// <summary>Ends the record: the mark moves past its <paramref name="length"/> bytes.</summary>
    public void Consume(int length)
    {
        mark += length;
        MarkOffset += length;
    }
}
