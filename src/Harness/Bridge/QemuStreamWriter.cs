using System.Buffers.Binary;
using System.Text;
using static Mecom.Harness.Bridge.QemuStreamFormat;

namespace Mecom.Harness.Bridge;

/// <summary>
/// Rebuilds the stream from records: the header, section headers, footers, end-of-section words and page
/// records from their fields (so a wrong field shows as a wrong byte, not a copied right one), the kinds
/// the parser carries whole (configuration, commands, block list, other pages, device state) as read.
/// </summary>
public sealed class QemuStreamWriter(Stream output) : IQemuRecordSink
{
    private readonly byte[] scratch = new byte[8 + 1 + 255 + 4 + 4];

    public long Written { get; private set; }

    public void Record(in QemuRecord record)
    {
        Span<byte> b = scratch;
        switch (record.Kind)
        {
            case QemuRecordKind.Header:
                BinaryPrimitives.WriteUInt32BigEndian(b, Magic);
                BinaryPrimitives.WriteUInt32BigEndian(b[4..], FileVersion);
                Put(b[..8]);
                break;
            case QemuRecordKind.SectionStart:
                b[0] = SectionStart;
                BinaryPrimitives.WriteUInt32BigEndian(b[1..], record.SectionId);
                int at = 5 + Counted(b[5..], record.Name!);
                BinaryPrimitives.WriteUInt32BigEndian(b[at..], record.Instance);
                BinaryPrimitives.WriteUInt32BigEndian(b[(at + 4)..], record.Version);
                Put(b[..(at + 8)]);
                break;
            case QemuRecordKind.SectionPart:
            case QemuRecordKind.Footer:
                b[0] = record.SectionType;
                BinaryPrimitives.WriteUInt32BigEndian(b[1..], record.SectionId);
                Put(b[..5]);
                break;
            case QemuRecordKind.EndOfSection:
                BinaryPrimitives.WriteUInt64BigEndian(b, record.Word);
                Put(b[..8]);
                break;
            case QemuRecordKind.ZeroPage:
                int header = PageHeader(b, record);
                b[header] = record.Fill;
                Put(b[..(header + 1)]);
                break;
            case QemuRecordKind.NormalPage:
                Put(b[..PageHeader(b, record)]);
                Put(record.Page);
                break;
            default:
                Put(record.Bytes);
                break;
        }
    }

    /// <summary>Writes a page record's word and, unless it is CONTINUE, its block's counted idstr; returns the length.</summary>
    internal static int PageHeader(Span<byte> b, in QemuRecord record)
    {
        BinaryPrimitives.WriteUInt64BigEndian(b, record.Word);
        return (record.Word & FlagContinue) != 0 ? 8 : 8 + Counted(b[8..], record.Name!);
    }

    private static int Counted(Span<byte> b, string text)
    {
        int n = Encoding.Latin1.GetBytes(text, b[1..]);
        b[0] = (byte)n;
        return 1 + n;
    }

    private void Put(ReadOnlySpan<byte> bytes)
    {
        output.Write(bytes);
        Written += bytes.Length;
    }
}
