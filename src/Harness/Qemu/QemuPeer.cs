namespace Mecom.Harness.Qemu;

/// <summary>
/// What a run sends through the bridges: one of our strategies (pages encoded between the bridges), or
/// one of QEMU's own configurations carried by pass-through bridges on the same link.
/// </summary>
/// <param name="Name">The run's strategy name: ours (<c>mecom</c>, <c>lz4</c>, ...) or a peer's (<c>qemu-default</c>, ...).</param>
/// <param name="BridgeStrategy">What the source bridge does: a strategy, or <c>passthrough</c>.</param>
/// <param name="Capabilities">Migration capabilities set on both QEMUs.</param>
/// <param name="Parameters">Migration parameters set on both QEMUs (beside the source's max-bandwidth).</param>
public sealed record QemuPeer(string Name, string BridgeStrategy, IReadOnlyList<string> Capabilities, IReadOnlyDictionary<string, object> Parameters)
{
    /// <summary>QEMU's own configurations, named as the reports name them.</summary>
    public static readonly IReadOnlyList<QemuPeer> Peers =
    [
        new("qemu-default", "passthrough", [], new Dictionary<string, object>()),
        new("qemu-xbzrle", "passthrough", ["xbzrle"], new Dictionary<string, object>()),
        new("qemu-multifd-none", "passthrough", ["multifd"], new Dictionary<string, object> { ["multifd-channels"] = 2, ["multifd-compression"] = "none" }),
        new("qemu-multifd-zstd", "passthrough", ["multifd"], new Dictionary<string, object> { ["multifd-channels"] = 2, ["multifd-compression"] = "zstd" }),
    ];

    public bool IsPeer => Name.StartsWith("qemu-", StringComparison.Ordinal);

    /// <summary>A peer by name, or one of our strategies through the bridges.</summary>
    public static QemuPeer Parse(string name)
    {
        string n = name.Trim().ToLowerInvariant();
        if (n.StartsWith("qemu-", StringComparison.Ordinal))
        {
            return Peers.FirstOrDefault(p => p.Name == n)
                ?? throw new ArgumentException($"unknown QEMU peer '{name}': {string.Join(", ", Peers.Select(p => p.Name))}");
        }

        // Checked now, so a bad name fails before any guest boots.
        _ = Bridge.BridgeOptions.For(n, 1e9, 0, 1);
        return new QemuPeer(n, n, [], new Dictionary<string, object>());
    }
}
