using Mecom.Codecs;

namespace Mecom.Harness.Bridge;

/// <summary>How the source bridge carries a migration: the codec for normal pages (none: pass-through) and the link.</summary>
public sealed record BridgeOptions
{
    /// <summary>The codec normal pages are encoded with; null for <c>passthrough</c>, which only counts bytes.</summary>
    public CodecSpec? Codec { get; init; }

    public string StrategyName { get; init; } = "passthrough";

    public double BitsPerSecond { get; init; } = 10e9;

    public double LatencyMs { get; init; }

    public int Workers { get; init; } = Math.Max(1, Environment.ProcessorCount);

    /// <summary>Pages per batch frame. 32 pages (128 KiB) keeps a batch a fraction of a millisecond at 1 Gbit/s.</summary>
    public int BatchPages { get; init; } = 32;

    /// <summary>A migration that takes longer ends, every socket closed: no bridge waits forever.</summary>
    public TimeSpan MaxDuration { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Socket buffers, both ways: bounded, so bytes do not sit in the kernel after QEMU thinks them sent.</summary>
    public const int SocketBuffer = 128 * 1024;

    /// <summary>Messages a connection may have waiting for the link: one encoding per worker, and one more on the link.</summary>
    public int QueueDepth => Workers + 1;

    /// <summary>
    /// The options for a strategy by name: <c>passthrough</c>, or one codec (raw, zero, lz4, zstd:1, mecom,
    /// ...). Adaptive, <c>+delta</c> and dictionary strategies are refused in one line: the bridge does not
    /// carry them yet.
    /// </summary>
    public static BridgeOptions For(string strategy, double bitsPerSecond, double latencyMs, int workers)
    {
        string name = strategy.Trim().ToLowerInvariant();
        Strategy? parsed = name == "passthrough" ? null : Strategy.Parse(name);
        if (parsed is { Adaptive: true } or { Delta: true } || parsed?.NeedsDictionary == true)
        {
            throw new ArgumentException($"strategy '{name}' is not in the bridge yet: use raw, zero, lz4, zstd:1, mecom, another codec, or passthrough");
        }

        return new BridgeOptions
        {
            Codec = parsed?.Codecs[0],
            StrategyName = parsed?.Name ?? "passthrough",
            BitsPerSecond = bitsPerSecond,
            LatencyMs = latencyMs,
            Workers = workers > 0 ? workers : Environment.ProcessorCount,
        };
    }

    public static void Configure(System.Net.Sockets.Socket socket)
    {
        socket.NoDelay = true;
        socket.SendBufferSize = SocketBuffer;
        socket.ReceiveBufferSize = SocketBuffer;
    }
}
