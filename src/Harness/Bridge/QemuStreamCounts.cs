namespace Mecom.Harness.Bridge;

/// <summary>What one stream held, as the parser counted it.</summary>
public sealed class QemuStreamCounts
{
    // Fields: the parser bumps these once per record, and nothing else reads or writes them meanwhile.
    public long Bytes;

    public string? Machine;

    /// <summary>The ram total the setup announced, and its block count.</summary>
    public ulong RamBytes;

    public int Blocks;

    /// <summary>ram sections: the START, every PART and the END.</summary>
    public int Sections;

    public int Commands;

    public long ZeroPages;

    public long NormalPages;

    /// <summary>XBZRLE and compressed pages, carried as read.</summary>
    public long OtherPages;

    public int EndsOfSection;

    /// <summary>Where the device state (first FULL section) began, and its bytes with EOF and the VM description.</summary>
    public long DeviceStateOffset = -1;

    public long DeviceStateBytes;

    /// <summary>Why parsing stopped early, once; null when the whole stream was understood.</summary>
    public string? PassThrough;

    public long PassThroughOffset = -1;

    public long UnparsedBytes;
}
