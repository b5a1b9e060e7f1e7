namespace Mecom.Harness.Bridge;

/// <summary>One QEMU connection through the bridges, as one bridge saw it.</summary>
public sealed class ChannelReport
{
    public int Channel { get; init; }

    /// <summary>Stream bytes read from the source QEMU (source bridge) or written to the target QEMU (target bridge).</summary>
    public long StreamBytes { get; set; }

    public string StreamHash { get; set; } = "";

    /// <summary>What the other bridge reported for the same stream (length and hash), when it did.</summary>
    public long PeerBytes { get; set; } = -1;

    public string? PeerHash { get; set; }

    public long ZeroPages { get; set; }

    public long NormalPages { get; set; }

    /// <summary>Why parsing stopped and the rest went raw, when it did.</summary>
    public string? PassThrough { get; set; }

    public long ReverseBytes { get; set; }

    /// <summary>
    /// When the source bridge read the stream's last byte from QEMU, or the target bridge wrote it to
    /// QEMU (the host's clock; not when the connection closed, which QEMU does a while later): the points
    /// between which a downtime is split.
    /// </summary>
    public DateTimeOffset? StreamEndedAt { get; set; }

    public string? Error { get; set; }

    /// <summary>The stream the target QEMU read is the one the source QEMU wrote: same length, same XXH128, no error.</summary>
    public bool Exact => Error is null && PeerHash is not null && PeerHash == StreamHash && PeerBytes == StreamBytes;
}

/// <summary>A migration through the bridges: every connection, and the link between the bridges.</summary>
public sealed class BridgeReport
{
    public string Role { get; init; } = "";

    public string Strategy { get; init; } = "";

    public double BandwidthBps { get; init; }

    public List<ChannelReport> Channels { get; } = [];

    /// <summary>Bytes on the link between the bridges, message headers included.</summary>
    public long WireBytes { get; set; }

    /// <summary>From the migration's first connection (not the bridge's start, which waits for QEMU) to the bridge's end.</summary>
    public double ElapsedMs { get; set; }

    public string? Error { get; set; }

    public long StreamBytes => Channels.Sum(c => c.StreamBytes);

    public bool Exact => Error is null && Channels.Count > 0 && Channels.All(c => c.Exact);

    public static string Hex(UInt128 hash) => hash.ToString("x32");
}
