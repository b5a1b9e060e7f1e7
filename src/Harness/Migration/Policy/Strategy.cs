using Mecom.Codecs;

namespace Mecom.Harness.Migration.Policy;

/// <summary>
/// How the source encodes pages: one codec for every batch (optionally with XBZRLE deltas for re-sent
/// pages), or <c>adaptive</c>, which picks a codec per batch from what the link and the CPUs allow.
/// </summary>
/// <param name="Name">The canonical name, as reports show it.</param>
/// <param name="Codecs">The codec, or the adaptive selector's candidates.</param>
/// <param name="Delta">Re-sent pages go as deltas against an old-page cache when that is smaller.</param>
/// <param name="Adaptive">Pick per batch (<see cref="AdaptiveSelector"/>).</param>
public sealed record Strategy(string Name, IReadOnlyList<CodecSpec> Codecs, bool Delta, bool Adaptive)
{
    public const string Forms = "raw, zero, lz4, zstd:1, mecom, mecom+delta, mecom+zstd-dict:9, adaptive, or any codec of 'mecom codecs' (name[:level][+general][+delta])";

    /// <summary>The adaptive selector's candidates: from free (zero pages only) to small (zstd).</summary>
    public static readonly string[] AdaptiveCandidates = ["zero", "lz4", "mecom", "zstd:1"];

    // After AdaptiveCandidates: static fields are set in the order they are written.
    /// <summary>Every form a strategy takes, with what it sends: for listings.</summary>
    public static readonly (string Form, string What)[] Kinds =
    [
        ("raw", "every page raw (Xen 3.x pre-copy)"),
        ("zero", "zero pages as empty records, the rest raw (QEMU's default)"),
        ("CODEC", "every page through one codec above, raw where it does not shrink: lz4, zstd:1, mecom, mecom:0+native-lzo1x, ..."),
        ("CODEC+delta", "the same, and a re-sent page as an XBZRLE delta against an old-page cache when that is smaller (QEMU's xbzrle)"),
        ("SELECTOR+zstd-dict:N", "the selector with zstd over a dictionary of the guest's own pages, sent once before round 0 (mecom+zstd-dict:9)"),
        ("adaptive", $"per batch, the candidate the link and the CPUs allow: {string.Join(", ", AdaptiveCandidates)}"),
    ];

    /// <summary>A codec needs the dictionary a migration builds at its start (<c>zstd-dict</c>).</summary>
    public bool NeedsDictionary => Codecs.Any(c => c.NeedsDictionary);

    /// <summary>The same strategy, its codecs bound to a registered dictionary; the name stays as typed.</summary>
    public Strategy WithDictionary(string id) => this with { Codecs = Codecs.Select(c => c.WithDictionary(id)).ToArray() };

    public static Strategy Parse(string text)
    {
        string name = text.Trim().ToLowerInvariant();
        if (name == "adaptive")
        {
            return new Strategy("adaptive", AdaptiveCandidates.Select(CodecRegistry.Parse).ToArray(), Delta: false, Adaptive: true);
        }

        bool delta = name.EndsWith("+delta", StringComparison.Ordinal);
        string codec = delta ? name[..^"+delta".Length] : name;
        CodecSpec spec;
        try
        {
            spec = CodecRegistry.Parse(codec);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"unknown strategy '{text}': {e.Message}; strategies: {Forms}");
        }

        // The short names users type stay the names reports show (mecom, not mecom:0).
        string shown = codec.Contains(':', StringComparison.Ordinal) || spec.Level is null ? spec.ToString() : spec.Info.Name + (spec.General is null ? "" : $"+{spec.General}");
        return new Strategy(delta ? shown + "+delta" : shown, [spec], delta, Adaptive: false);
    }

    public static IReadOnlyList<Strategy> ParseList(string text)
    {
        var list = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .SelectMany(s => s.Equals("all", StringComparison.OrdinalIgnoreCase) ? Default : [Parse(s)])
            .DistinctBy(s => s.Name)
            .ToArray();
        return list.Length > 0 ? list : throw new ArgumentException($"no strategy given; strategies: {Forms}");
    }

    /// <summary>The grid <c>mecom run</c> and <c>--strategy all</c> use.</summary>
    public static IReadOnlyList<Strategy> Default =>
        new[] { "raw", "zero", "lz4", "zstd:1", "mecom", "mecom+delta", "adaptive" }.Select(Parse).ToArray();
}
