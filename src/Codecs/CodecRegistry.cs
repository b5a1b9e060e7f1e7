using Mecom.Codecs.Baseline;
using Mecom.Codecs.General;
using Mecom.Codecs.Native;
using Mecom.Codecs.Selection;
using Mecom.Codecs.WordPattern;

namespace Mecom.Codecs;

/// <summary>One codec a user can name: <c>zstd</c> with its levels, or <c>wkdm</c> with none.</summary>
/// <param name="Name">What users type before the optional <c>:level</c>.</param>
/// <param name="Description">One line for listings.</param>
/// <param name="DefaultLevel">The level when none is typed; null when the codec has no levels.</param>
/// <param name="MinLevel">Lowest level accepted.</param>
/// <param name="MaxLevel">Highest level accepted.</param>
/// <param name="Unavailable">Why the codec cannot run here (a missing native library), or null.</param>
/// <param name="InDefaultSet">False for the migration baselines (raw, zero) that <c>all</c> leaves out.</param>
/// <param name="TakesGeneral">A selector whose general codec can be named after a <c>+</c> (<c>mecom:0+native-lzo1x</c>).</param>
/// <param name="TakesDictionary">Needs the dictionary a migration builds at its start, named after an <c>@</c>.</param>
/// <param name="Library">The library doing the work, as <see cref="CodecLibraries"/> names it.</param>
public sealed record CodecInfo(string Name, string Description, int? DefaultLevel, int MinLevel, int MaxLevel, string? Unavailable, bool InDefaultSet = true, bool TakesGeneral = false, bool TakesDictionary = false, Func<string>? Library = null)
{
    public bool IsAvailable => Unavailable is null;

    public string Levels => DefaultLevel is null ? "-" : $"{MinLevel}..{MaxLevel} (default {DefaultLevel})";
}

/// <summary>
/// A parsed codec name: which codec, at which level, for a selector the general codec it hands the pages
/// it does not tag to (null: K4os LZ4), and for a dictionary codec the registered dictionary's id (null:
/// not built yet). <see cref="ToString"/> is the canonical name.
/// </summary>
public sealed record CodecSpec(CodecInfo Info, int? Level, CodecSpec? General = null, string? Dictionary = null)
{
    /// <summary>A dictionary codec, here or as the general codec, still waiting for its dictionary.</summary>
    public bool NeedsDictionary => (Info.TakesDictionary && Dictionary is null) || General?.NeedsDictionary == true;

    /// <summary>The same codec with its dictionary (<see cref="General.RawDictionary.Register"/>).</summary>
    public CodecSpec WithDictionary(string id) =>
        this with { Dictionary = Info.TakesDictionary ? id : null, General = General?.WithDictionary(id) };

    public override string ToString() =>
        (Level is null ? Info.Name : $"{Info.Name}:{Level}") + (Dictionary is null ? "" : $"@{Dictionary}") + (General is null ? "" : $"+{General}");
}

/// <summary>
/// Every page codec by name. Codecs are made per worker (<see cref="Create(CodecSpec)"/>): they hold
/// scratch state and are not thread-safe.
/// </summary>
public static class CodecRegistry
{
    /// <summary>Every codec and how to make it from a level, for the selectors a general codec (null: K4os LZ4), for zstd-dict a dictionary.</summary>
    private static readonly (CodecInfo Info, Func<int?, IPageCodec?, string?, DictionaryStore, IPageCodec> Make)[] Entries =
    [
        (new CodecInfo("mecom", "the MECOM selector: zero/same-filled tags, WKdm when its size <= level/8 page, else LZ4 (or the codec after a +)", MecomCodec.DefaultWkdmMaxEighths, 0, 8, null, TakesGeneral: true, Library: () => CodecLibraries.Mecom),
            (level, general, _, _) => new MecomCodec(level!.Value, general ?? new Lz4Codec())),
        (new CodecInfo("mecom-bdi", "the MECOM selector with BDI first: BDI when its size <= level/8 page, then as mecom", 4, 0, 8, null, TakesGeneral: true, Library: () => CodecLibraries.Mecom),
            (level, general, _, _) => new MecomCodec(MecomCodec.DefaultWkdmMaxEighths, general ?? new Lz4Codec(), level!.Value)),
        (new CodecInfo("wkdm", "WKdm word-pattern codec (Wilson & Kaplan), vectorized packing", null, 0, 0, null, Library: () => CodecLibraries.Mecom),
            (_, _, _, _) => new WkdmCodec()),
        (new CodecInfo("bdi", "Base-Delta-Immediate word-pattern codec (Pekhimenko et al.), per 64-byte block, vectorized", null, 0, 0, null, Library: () => CodecLibraries.Mecom),
            (_, _, _, _) => new BdiCodec()),
        (new CodecInfo("lz4", "LZ4 fast, K4os.Compression.LZ4 (managed)", null, 0, 0, null, Library: () => CodecLibraries.K4os),
            (_, _, _, _) => new Lz4Codec()),
        (new CodecInfo("lz4page", "LZ4 fast tuned for pages (standard LZ4 blocks, 16-bit positions, no per-call table clear), managed", null, 0, 0, null, Library: () => CodecLibraries.Mecom),
            (_, _, _, _) => new Lz4PageCodec()),
        (new CodecInfo("lz4hc", "LZ4 HC, K4os.Compression.LZ4 (managed)", 9, 3, 12, null, Library: () => CodecLibraries.K4os),
            (level, _, _, _) => new Lz4Codec(level!.Value)),
        (new CodecInfo("zstd", "zstd, ZstdSharp (managed port)", 1, -7, 22, null, Library: () => CodecLibraries.ZstdSharp),
            (level, _, _, _) => new ZstdCodec(level!.Value)),
        (new CodecInfo("zstd-dict", "zstd with a raw-content dictionary of the guest's own pages, built at migration start and sent once (migrate and simulate; 'mecom dict' measures it alone)", 9, 1, 22, null, InDefaultSet: false, TakesDictionary: true, Library: () => CodecLibraries.ZstdSharp),
            (level, _, dictionary, store) => new ZstdCodec(level!.Value, store.Get(dictionary ?? throw new ArgumentException(
                "zstd-dict needs the dictionary a migration builds at its start: use it in 'mecom migrate' or 'mecom simulate' (e.g. --strategy mecom+zstd-dict:9); 'mecom dict' measures it alone")), dictionary)),
        (new CodecInfo("deflate", "raw Deflate, the BCL's DeflateStream (zlib-ng)", 1, 0, 9, null, Library: () => CodecLibraries.Bcl),
            (level, _, _, _) => new DeflateCodec(level!.Value)),
        (new CodecInfo("brotli", "Brotli, the BCL's BrotliEncoder", 1, 0, 11, null, Library: () => CodecLibraries.Bcl),
            (level, _, _, _) => new BrotliCodec(level!.Value)),
        (new CodecInfo("native-lz4", "LZ4 fast, the C liblz4", null, 0, 0, NativeLz4Codec.Unavailable, Library: () => CodecLibraries.NativeLz4),
            (_, _, _, _) => new NativeLz4Codec()),
        (new CodecInfo("native-zstd", "zstd, the C libzstd", 1, -7, 22, NativeZstdCodec.Unavailable, Library: () => CodecLibraries.NativeZstd),
            (level, _, _, _) => new NativeZstdCodec(level!.Value)),
        (new CodecInfo("native-lzo1x", "LZO1X-1, the C liblzo2 (the MECOM paper's codec)", null, 0, 0, NativeLzoCodec.Unavailable, Library: () => CodecLibraries.NativeLzo),
            (_, _, _, _) => new NativeLzoCodec()),
        (new CodecInfo("zero", "migration baseline (QEMU default): zero pages as empty records, the rest raw", null, 0, 0, null, InDefaultSet: false, Library: () => CodecLibraries.Mecom),
            (_, _, _, _) => new ZeroOnlyCodec()),
        (new CodecInfo("raw", "migration baseline (Xen 3.x): every page raw", null, 0, 0, null, InDefaultSet: false, Library: () => CodecLibraries.Mecom),
            (_, _, _, _) => new RawCodec()),
    ];

    private static readonly Dictionary<string, string> Aliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["lzo1x"] = "native-lzo1x",
        ["lzo"] = "native-lzo1x",
        ["zlib"] = "deflate",
    };

    /// <summary>Every codec, available or not.</summary>
    public static IReadOnlyList<CodecInfo> All { get; } = Entries.Select(e => e.Info).ToArray();

    /// <summary>The codecs <c>--codecs all</c> runs: every available one, at its default level.</summary>
    public static IReadOnlyList<CodecSpec> DefaultSet =>
        All.Where(c => c.IsAvailable && c.InDefaultSet).Select(c => new CodecSpec(c, c.DefaultLevel)).ToArray();

    /// <summary>
    /// Parses <c>name</c>, <c>name:level</c>, or for a selector <c>name[:level]+general[:level]</c>. Unknown
    /// names, bad levels and unavailable codecs throw <see cref="ArgumentException"/> with a message that
    /// lists what is valid.
    /// </summary>
    /// <remarks>
    /// A dictionary named after an <c>@</c> must be in the process's <see cref="RawDictionary.Known"/>.
    /// </remarks>
    public static CodecSpec Parse(string text) => Parse(text, null);

    /// <summary>
    /// As <see cref="Parse(string)"/>, with dictionaries looked up in <paramref name="dictionaries"/> (null: the
    /// process's): a migration target passes its session's own store, so a frame can only use the dictionary
    /// its own source sent on its own connection.
    /// </summary>
    public static CodecSpec Parse(string text, DictionaryStore? dictionaries)
    {
        ArgumentNullException.ThrowIfNull(text);
        int plus = text.IndexOf('+');
        if (plus >= 0)
        {
            CodecSpec selector = Parse(text[..plus], dictionaries);
            if (!selector.Info.TakesGeneral)
            {
                throw new ArgumentException(
                    $"codec '{selector.Info.Name}' takes no general codec (in '{text.Trim()}'); only the selectors do: {string.Join(", ", All.Where(c => c.TakesGeneral).Select(c => c.Name))}");
            }

            CodecSpec general = Parse(text[(plus + 1)..], dictionaries);
            if (general.Info.TakesGeneral || general.Info.Name is "raw" or "zero")
            {
                throw new ArgumentException($"'{general}' cannot be a selector's general codec (in '{text.Trim()}'); name a compressor such as lz4, zstd:1 or native-lzo1x");
            }

            // K4os LZ4 is what a selector uses anyway: one name for one codec.
            return general.Info.Name == "lz4" ? selector : selector with { General = general };
        }

        string trimmed = text.Trim();
        string? dictionaryId = null;
        int at = trimmed.IndexOf('@');
        if (at >= 0)
        {
            dictionaryId = trimmed[(at + 1)..];
            trimmed = trimmed[..at];
        }

        int colon = trimmed.IndexOf(':');
        string name = colon < 0 ? trimmed : trimmed[..colon];
        string? levelText = colon < 0 ? null : trimmed[(colon + 1)..];
        if (Aliases.TryGetValue(name, out string? canonical))
        {
            name = canonical;
        }

        CodecInfo? info = All.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));
        if (info is null)
        {
            throw new ArgumentException(
                $"unknown codec '{text}'; valid codecs: {string.Join(", ", All.Select(c => c.Name))} (levels as name:N, e.g. zstd:3)");
        }

        int? level = info.DefaultLevel;
        if (levelText is not null)
        {
            if (info.DefaultLevel is null)
            {
                throw new ArgumentException($"codec '{info.Name}' takes no level; write just '{info.Name}'");
            }

            if (!int.TryParse(levelText, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out int parsed)
                || parsed < info.MinLevel || parsed > info.MaxLevel || (parsed == 0 && info.MinLevel < 0))
            {
                throw new ArgumentException($"bad level '{levelText}' for codec '{info.Name}'; valid levels: {info.Levels}");
            }

            level = parsed;
        }

        if (!info.IsAvailable)
        {
            throw new ArgumentException($"codec '{info.Name}' is not available here: {info.Unavailable}");
        }

        if (dictionaryId is not null)
        {
            if (!info.TakesDictionary)
            {
                throw new ArgumentException($"codec '{info.Name}' takes no dictionary (in '{text.Trim()}')");
            }

            (dictionaries ?? RawDictionary.Known).Get(dictionaryId);
        }

        return new CodecSpec(info, level, Dictionary: dictionaryId);
    }

    /// <summary>
    /// Parses a comma-separated list; <c>all</c> stands for <see cref="DefaultSet"/>. As in lzbench, a bare
    /// level after a codec is another level of it (<c>zstd:1,3,5</c>), and <c>name:A-B</c> is every level
    /// from A to B (<c>zstd:1-5</c>, <c>zstd:-5--1</c>).
    /// </summary>
    public static IReadOnlyList<CodecSpec> ParseList(string text)
    {
        var specs = new List<CodecSpec>();
        CodecSpec? previous = null;
        foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (part.Equals("all", StringComparison.OrdinalIgnoreCase))
            {
                specs.AddRange(DefaultSet);
                previous = null;
            }
            else if (previous is not null && LevelRange(part) is not null)
            {
                if (previous.General is not null)
                {
                    throw new ArgumentException($"'{part}' after '{previous}' in '{text}': a level of the selector or of its general codec? Write each in full");
                }

                specs.AddRange(Levels(previous.Info.Name, part, text));
            }
            else if (part.IndexOf(':') is int colon and > 0 && part.IndexOf('+') < 0 && LevelRange(part[(colon + 1)..]) is { } range && range.From != range.To)
            {
                specs.AddRange(Levels(part[..colon], part[(colon + 1)..], text));
                previous = specs[^1];
            }
            else
            {
                specs.Add(previous = Parse(part));
            }
        }

        if (specs.Count == 0)
        {
            throw new ArgumentException("no codec named; valid codecs: " + string.Join(", ", All.Select(c => c.Name)));
        }

        return specs.DistinctBy(s => s.ToString()).ToArray();
    }

    /// <summary>A level or a range of levels: <c>3</c>, <c>-5</c>, <c>1-5</c>, <c>-5--1</c>; null for anything else.</summary>
    private static (int From, int To)? LevelRange(string text)
    {
        var culture = System.Globalization.CultureInfo.InvariantCulture;
        const System.Globalization.NumberStyles Signed = System.Globalization.NumberStyles.AllowLeadingSign;
        if (int.TryParse(text, Signed, culture, out int single))
        {
            return (single, single);
        }

        int dash = text.IndexOf('-', 1);
        return dash > 0 && int.TryParse(text[..dash], Signed, culture, out int from) && int.TryParse(text[(dash + 1)..], Signed, culture, out int to)
            ? (from, to) : null;
    }

    private static IEnumerable<CodecSpec> Levels(string name, string range, string list)
    {
        var (from, to) = LevelRange(range)!.Value;
        if (to < from || (long)to - from > 64)
        {
            throw new ArgumentException($"'{range}' in '{list}' is not a range of levels (low-high, at most 64 levels)");
        }

        // Each level parsed as if typed alone: the same checks and messages; a range across zstd's missing
        // level 0 skips it.
        CodecInfo info = Parse(name).Info;
        return Enumerable.Range(from, to - from + 1).Where(l => l != 0 || from == to || info.MinLevel >= 0).Select(l => Parse($"{name}:{l}"));
    }

    /// <summary>A fresh codec instance (one per thread).</summary>
    public static IPageCodec Create(CodecSpec spec) => Create(spec, null);

    /// <summary>A fresh codec instance whose dictionary comes from <paramref name="dictionaries"/> (null: the process's).</summary>
    public static IPageCodec Create(CodecSpec spec, DictionaryStore? dictionaries) =>
        Entries.First(e => e.Info.Name == spec.Info.Name).Make(spec.Level, spec.General is null ? null : Create(spec.General, dictionaries), spec.Dictionary, dictionaries ?? RawDictionary.Known);

    /// <summary>Parses and creates in one step.</summary>
    public static IPageCodec Create(string text) => Create(Parse(text));
}
