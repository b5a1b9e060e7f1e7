using static Mecom.Harness.Bridge.QemuStreamFormat;

namespace Mecom.Harness.Bridge;

/// <summary>
/// Parses QEMU 7.2's precopy stream (layout: ../shared/design/qemu-stream.md) into records for a sink, in
/// order, each handed on only once all of it has arrived. It never guesses: the first byte it does not
/// understand ends parsing; strict, that throws; otherwise that record and everything after it go to
/// the sink as <see cref="QemuRecordKind.Unparsed"/> bytes, as read, and <see cref="QemuStreamCounts.PassThrough"/>
/// says why, once. A stream that ends inside a record, or before its device state, is truncated in
/// either mode: the partial record is not handed on.
/// </summary>
public sealed class QemuStreamParser
{
    private readonly RecordInput input;
    private readonly IQemuRecordSink sink;
    private readonly bool strict;
    private readonly Dictionary<string, ulong> blocks = new(StringComparer.Ordinal);
    private readonly QemuStreamCounts counts = new();
    private uint? ramSection;
    private string? currentBlock;
    private bool ignoreShared;

    public QemuStreamParser(Stream input, IQemuRecordSink sink, bool strict = false)
    {
        this.sink = sink;
        this.strict = strict;
        this.input = new RecordInput(input, sink.Idle);
    }

    /// <summary>Reads the whole stream, to its end; returns what it held.</summary>
    public QemuStreamCounts Run()
    {
        try
        {
            Parse();
        }
        catch (NotUnderstoodException e)
        {
            if (strict)
            {
                throw new QemuStreamException(QemuStreamError.Unrecognized, e.Offset, e.Message);
            }

            counts.PassThrough = $"byte {e.Offset}: {e.Message}; the rest passed through unparsed";
            counts.PassThroughOffset = e.Offset;
            PassRest(QemuRecordKind.Unparsed);
        }

        counts.Bytes = input.MarkOffset;
        return counts;
    }

    private void Parse()
    {
        input.Need(8, "the header");
        if (input.Be32(0) != Magic || input.Be32(4) != FileVersion)
        {
            throw NotUnderstood(0, $"the header is {input.Be32(0):x8} {input.Be32(4):x8}, not QEVM version 3");
        }

        Emit(new QemuRecord { Kind = QemuRecordKind.Header, Bytes = input.Span(8) }, 8);
        if (input.Has(1) && input.U8(0) == Configuration)
        {
            ParseConfiguration();
        }

        while (true)
        {
            if (input.AtEnd)
            {
                throw new QemuStreamException(QemuStreamError.Truncated, input.MarkOffset, "the stream ended before its device state");
            }

            switch (input.U8(0))
            {
                case Command:
                    ParseCommand();
                    break;
                case SectionStart:
                    ParseStart();
                    break;
                case SectionPart or SectionEnd:
                    ParsePart();
                    break;
                case SectionFull:
                    // After the first FULL only device state, EOF and the VM description follow, none of
                    // which carries the lengths that parsing would need: it is carried as read.
                    counts.DeviceStateOffset = input.MarkOffset;
                    PassRest(QemuRecordKind.DeviceState);
                    return;
                default:
                    throw NotUnderstood(0, $"section type 0x{input.U8(0):x2} is not one a 7.2 precopy sends here");
            }
        }
    }

    private void ParseConfiguration()
    {
        input.Need(5, "the configuration section");
        uint length = input.Be32(1);
        if (length is 0 or > 255)
        {
            throw NotUnderstood(1, $"a machine name of {length} bytes");
        }

        int at = 5 + (int)length;
        while (true)
        {
            input.Need(at + 1, "the configuration section");
            if (input.U8(at) != Subsection)
            {
                break;
            }

            input.Need(at + 2, "a configuration subsection");
            int nameLength = input.U8(at + 1);
            input.Need(at + 2 + nameLength + 4, "a configuration subsection");
            string name = input.Ascii(at + 2, nameLength);
            at += 2 + nameLength + 4;
            switch (name)
            {
                case "configuration/target-page-bits":
                    input.Need(at + 4, name);
                    at += 4;
                    break;
                case "configuration/uuid":
                    input.Need(at + 16, name);
                    at += 16;
                    break;
                case "configuration/capabilities":
                    input.Need(at + 4, name);
                    uint count = input.Be32(at);
                    if (count > 64)
                    {
                        throw NotUnderstood(at, $"{count} capabilities");
                    }

                    at += 4;
                    for (uint i = 0; i < count; i++)
                    {
                        input.Need(at + 1, name);
                        int capLength = input.U8(at);
                        input.Need(at + 1 + capLength, name);
                        ignoreShared |= input.Ascii(at + 1, capLength) == "x-ignore-shared";
                        at += 1 + capLength;
                    }

                    break;
                default:
                    throw NotUnderstood(at - nameLength - 4, $"configuration subsection '{name}'");
            }
        }

        counts.Machine = input.Ascii(5, (int)length);
        Emit(new QemuRecord { Kind = QemuRecordKind.Configuration, Bytes = input.Span(at), Name = counts.Machine }, at);
    }

    private void ParseCommand()
    {
        input.Need(5, "a command");
        ushort command = input.Be16(1);
        ushort length = input.Be16(3);
        if (!IsKnownCommand(command))
        {
            throw NotUnderstood(1, $"command {command}, which a default precopy does not send");
        }

        input.Need(5 + length, "a command");
        counts.Commands++;
        Emit(new QemuRecord { Kind = QemuRecordKind.Command, Bytes = input.Span(5 + length) }, 5 + length);
    }

    private void ParseStart()
    {
        input.Need(6, "a section header");
        uint id = input.Be32(1);
        int idLength = input.U8(5);
        input.Need(6 + idLength + 8, "a section header");
        string name = input.Ascii(6, idLength);
        uint instance = input.Be32(6 + idLength);
        uint version = input.Be32(10 + idLength);
        if (name != "ram" || instance != 0 || version != RamVersion || ramSection is not null)
        {
            throw NotUnderstood(0, $"a START of '{name}' instance {instance} version {version}; the bridge follows one START, ram instance 0 version 4");
        }

        ramSection = id;
        counts.Sections++;
        int headerLength = 14 + idLength;
        Emit(new QemuRecord { Kind = QemuRecordKind.SectionStart, Bytes = input.Span(headerLength), SectionType = SectionStart, SectionId = id, Name = name, Instance = instance, Version = version }, headerLength);
        ParseBlocks();
        ParseRamRecords(id);
    }

    private void ParsePart()
    {
        input.Need(5, "a section header");
        byte type = input.U8(0);
        uint id = input.Be32(1);
        if (id != ramSection)
        {
            throw NotUnderstood(1, $"a {(type == SectionPart ? "PART" : "END")} of section {id}, which is not ram's ({(ramSection is { } r ? r.ToString() : "no START yet")})");
        }

        counts.Sections++;
        Emit(new QemuRecord { Kind = QemuRecordKind.SectionPart, Bytes = input.Span(5), SectionType = type, SectionId = id }, 5);
        ParseRamRecords(id);
    }

    private void ParseBlocks()
    {
        input.Need(8, "the ram block list");
        ulong word = input.Be64(0);
        ulong total = word & ~FlagMask;
        if ((word & FlagMask) != FlagMemSize || total == 0)
        {
            throw NotUnderstood(0, $"the ram setup word {word:x16} is not a MEM_SIZE");
        }

        int at = 8;
        ulong sum = 0;
        while (sum < total)
        {
            if (blocks.Count >= MaxBlocks)
            {
                throw NotUnderstood(at, $"more than {MaxBlocks} ram blocks");
            }

            input.Need(at + 1, "the ram block list");
            int nameLength = input.U8(at);
            int entry = 1 + nameLength + 8 + (ignoreShared ? 8 : 0);
            input.Need(at + entry, "the ram block list");
            string name = input.Ascii(at + 1, nameLength);
            ulong length = input.Be64(at + 1 + nameLength);
            // Checked in 64 bits, unsigned: a hostile length cannot wrap the sum back under the total.
            if (length > total - sum || blocks.ContainsKey(name))
            {
                throw NotUnderstood(at, $"ram block '{name}' of {length} bytes does not fit the {total}-byte total after {sum} bytes, or repeats");
            }

            blocks[name] = length;
            sum += length;
            at += entry;
        }

        counts.RamBytes = total;
        counts.Blocks = blocks.Count;
        Emit(new QemuRecord { Kind = QemuRecordKind.RamBlocks, Bytes = input.Span(at), Word = word }, at);
    }

    private void ParseRamRecords(uint section)
    {
        while (true)
        {
            input.Need(8, "a ram record");
            ulong word = input.Be64(0);
            ulong flags = word & FlagMask;
            ulong type = flags & TypeFlags;
            if ((flags & ~KnownPageFlags) != 0 || !ulong.IsPow2(type))
            {
                throw NotUnderstood(0, $"ram word {word:x16} has flags 0x{flags:x3}, not one record type of a 7.2 precopy");
            }

            if (type == FlagEos)
            {
                if (word != FlagEos)
                {
                    throw NotUnderstood(0, $"end of section word {word:x16} carries more than EOS");
                }

                counts.EndsOfSection++;
                Emit(new QemuRecord { Kind = QemuRecordKind.EndOfSection, Bytes = input.Span(8), Word = word }, 8);
                input.Need(5, "a section footer");
                if (input.U8(0) != Footer || input.Be32(1) != section)
                {
                    throw NotUnderstood(0, $"the 5 bytes after EOS are not the footer of section {section}");
                }

                Emit(new QemuRecord { Kind = QemuRecordKind.Footer, Bytes = input.Span(5), SectionType = Footer, SectionId = section }, 5);
                return;
            }

            ParsePageRecord(word, flags);
        }
    }

    private void ParsePageRecord(ulong word, ulong flags)
    {
        int at = 8;
        string? named = null;
        if ((flags & FlagContinue) == 0)
        {
            input.Need(9, "a ram record");
            int nameLength = input.U8(8);
            input.Need(9 + nameLength, "a ram record");
            named = input.Ascii(9, nameLength);
            if (!blocks.ContainsKey(named))
            {
                throw NotUnderstood(8, $"ram block '{named}' is not in the block list");
            }

            currentBlock = named;
            at = 9 + nameLength;
        }
        else if (currentBlock is null)
        {
            throw NotUnderstood(0, "a CONTINUE record before any record named its block");
        }

        ulong offset = word & ~FlagMask;
        if (offset >= blocks[currentBlock])
        {
            throw NotUnderstood(0, $"offset {offset} is beyond ram block '{currentBlock}' ({blocks[currentBlock]} bytes)");
        }

        switch (flags & TypeFlags)
        {
            case FlagZero:
                input.Need(at + 1, "a zero page record");
                counts.ZeroPages++;
                Emit(new QemuRecord { Kind = QemuRecordKind.ZeroPage, Bytes = input.Span(at + 1), Word = word, Name = named, Block = currentBlock, Fill = input.U8(at) }, at + 1);
                break;
            case FlagPage:
                input.Need(at + PageSize, "a page record");
                counts.NormalPages++;
                ReadOnlySpan<byte> record = input.Span(at + PageSize);
                Emit(new QemuRecord { Kind = QemuRecordKind.NormalPage, Bytes = record, Word = word, Name = named, Block = currentBlock, Page = record[at..] }, at + PageSize);
                break;
            case FlagXbzrle:
                input.Need(at + 3, "an XBZRLE record");
                ushort deltaLength = input.Be16(at + 1);
                if (input.U8(at) != 1 || deltaLength > PageSize)
                {
                    throw NotUnderstood(at, $"an XBZRLE record of encoding {input.U8(at)} and {deltaLength} bytes");
                }

                EmitOther(word, named, at + 3 + deltaLength);
                break;
            default:
                input.Need(at + 4, "a compressed page record");
                uint compressed = input.Be32(at);
                if (compressed > MaxCompressedPage)
                {
                    throw NotUnderstood(at, $"a compressed page of {compressed} bytes");
                }

                EmitOther(word, named, at + 4 + (int)compressed);
                break;
        }
    }

    private void EmitOther(ulong word, string? named, int length)
    {
        input.Need(length, "a page record");
        counts.OtherPages++;
        Emit(new QemuRecord { Kind = QemuRecordKind.OtherPage, Bytes = input.Span(length), Word = word, Name = named, Block = currentBlock }, length);
    }

    private void PassRest(QemuRecordKind kind)
    {
        while (!input.AtEnd)
        {
            ReadOnlySpan<byte> chunk = input.Available;
            if (kind == QemuRecordKind.DeviceState)
            {
                counts.DeviceStateBytes += chunk.Length;
            }
            else
            {
                counts.UnparsedBytes += chunk.Length;
            }

            int n = chunk.Length;
            sink.Record(new QemuRecord { Kind = kind, Bytes = chunk });
            input.Consume(n);
        }
    }

    private void Emit(in QemuRecord record, int length)
    {
        sink.Record(record);
        input.Consume(length);
    }

    private NotUnderstoodException NotUnderstood(int at, string why) => new(input.MarkOffset + at, why);

    /// <summary>Unwinds to <see cref="Run"/>, which decides between throwing and passing through.</summary>
    private sealed class NotUnderstoodException(long offset, string message) : Exception(message)
    {
        public long Offset { get; } = offset;
    }
}
