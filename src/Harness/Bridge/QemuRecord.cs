namespace Mecom.Harness.Bridge;

/// <summary>What a record of the stream is; the writer serializes each from its fields.</summary>
public enum QemuRecordKind
{
    /// <summary>Magic and version.</summary>
    Header,

    /// <summary>The configuration section with its subsections, carried as read.</summary>
    Configuration,

    /// <summary>A QEMU_VM_COMMAND record, carried as read.</summary>
    Command,

    /// <summary>A START section header (type, id, idstr, instance, version).</summary>
    SectionStart,

    /// <summary>A PART or END section header (type, id).</summary>
    SectionPart,

    /// <summary>The ram setup: total size and block list, carried as read.</summary>
    RamBlocks,

    /// <summary>A ram ZERO record: word, idstr unless CONTINUE, fill byte.</summary>
    ZeroPage,

    /// <summary>A ram PAGE record: word, idstr unless CONTINUE, 4096 bytes: what the bridge compresses.</summary>
    NormalPage,

    /// <summary>An XBZRLE or COMPRESS_PAGE record, carried as read.</summary>
    OtherPage,

    /// <summary>The end-of-section word.</summary>
    EndOfSection,

    /// <summary>A section footer (0x7e, id).</summary>
    Footer,

    /// <summary>FULL sections, EOF and the VM description: everything from the first FULL to the end, as read.</summary>
    DeviceState,

    /// <summary>Bytes after the first one the parser did not understand, as read.</summary>
    Unparsed,
}

/// <summary>
/// One record of the stream. <see cref="Bytes"/> is the record as read for the kinds carried verbatim; the
/// writer rebuilds the others from their fields. <see cref="Page"/> is a normal page's contents, valid only
/// during the sink's call (the parser reuses its buffer).
/// </summary>
public readonly ref struct QemuRecord
{
    public QemuRecordKind Kind { get; init; }

    /// <summary>The whole record as read (every kind), so a pass-through never re-encodes.</summary>
    public ReadOnlySpan<byte> Bytes { get; init; }

    /// <summary>A section's type byte and id, for section headers and footers.</summary>
    public byte SectionType { get; init; }

    public uint SectionId { get; init; }

    /// <summary>A START's idstr, or a page record's block when it names one (not CONTINUE).</summary>
    public string? Name { get; init; }

    public uint Instance { get; init; }

    public uint Version { get; init; }

    /// <summary>A ram record's be64 word: offset in its block, ORed with flags.</summary>
    public ulong Word { get; init; }

    /// <summary>A zero page's fill byte.</summary>
    public byte Fill { get; init; }

    /// <summary>The block a page record belongs to (named or carried over by CONTINUE).</summary>
    public string? Block { get; init; }

    public ReadOnlySpan<byte> Page { get; init; }

    /// <summary>The length of the bytes before a normal page's contents (word and idstr).</summary>
    public int PageHeaderLength => Bytes.Length - Page.Length;
}

/// <summary>Receives the parser's records in stream order.</summary>
public interface IQemuRecordSink
{
    void Record(in QemuRecord record);

    /// <summary>The parser is about to wait for more input: a moment to flush what is batched.</summary>
    void Idle()
    {
    }
}
