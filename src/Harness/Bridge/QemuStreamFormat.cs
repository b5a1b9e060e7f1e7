namespace Mecom.Harness.Bridge;

/// <summary>
/// The constants of QEMU 7.2's precopy stream (migration/savevm.h, migration/ram.c), as
/// ../shared/design/qemu-stream.md lists them. Everything on the wire is big-endian.
/// </summary>
internal static class QemuStreamFormat
{
    public const uint Magic = 0x5145564d; // "QEVM"
    public const uint FileVersion = 3;

    public const byte Eof = 0x00;
    public const byte SectionStart = 0x01;
    public const byte SectionPart = 0x02;
    public const byte SectionEnd = 0x03;
    public const byte SectionFull = 0x04;
    public const byte Subsection = 0x05;
    public const byte Configuration = 0x07;
    public const byte Command = 0x08;
    public const byte Footer = 0x7e;

    public const ulong FlagZero = 0x02;
    public const ulong FlagMemSize = 0x04;
    public const ulong FlagPage = 0x08;
    public const ulong FlagEos = 0x10;
    public const ulong FlagContinue = 0x20;
    public const ulong FlagXbzrle = 0x40;
    public const ulong FlagCompress = 0x100;

    /// <summary>The low 12 bits of a ram word are flags (TARGET_PAGE_MASK on x86).</summary>
    public const ulong FlagMask = 0xfff;

    /// <summary>The bits a 7.2 precopy may set on a page record; any other means a feature the bridge does not know.</summary>
    public const ulong KnownPageFlags = FlagZero | FlagPage | FlagEos | FlagContinue | FlagXbzrle | FlagCompress;

    public const ulong TypeFlags = FlagZero | FlagPage | FlagEos | FlagXbzrle | FlagCompress;

    public const int PageSize = 4096;

    /// <summary>ram_mig_init registers version 4; ram_load rejects any other.</summary>
    public const uint RamVersion = 4;

    /// <summary>
    /// Commands a default or return-path precopy sends (OPEN_RETURN_PATH, PING); any other changes how
    /// the stream goes on (postcopy, packaged streams, COLO), so the bridge stops parsing there.
    /// </summary>
    public static bool IsKnownCommand(ushort command) => command is 1 or 2;

    /// <summary>More blocks than any machine registers; a longer list is not a 7.2 pc stream.</summary>
    public const int MaxBlocks = 4096;

    /// <summary>A compressed page's zlib data is at most a page plus zlib's worst-case growth.</summary>
    public const uint MaxCompressedPage = PageSize + 1024;
}
