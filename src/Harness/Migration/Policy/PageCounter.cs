using Mecom.Codecs;
using Mecom.Codecs.Framing;
using Mecom.Codecs.Selection;

namespace Mecom.Harness.Migration.Policy;

/// <summary>
/// Pages sent, by how they went: a run's <c>pageCounts</c>. Raw and delta pages count under
/// <see cref="Raw"/> and <see cref="Delta"/>, a codec's pages under the keys of <see cref="KeysFor"/>.
/// </summary>
/// <remarks>The emulator and the simulator count through this one type, so their runs carry the same keys.</remarks>
public sealed class PageCounter
{
    public const string Raw = "raw";
    public const string Delta = "delta";

    private readonly Dictionary<string, long> counts = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, long> ByKey => counts;

    public void Add(string key, long pages)
    {
        if (pages > 0)
        {
            counts[key] = counts.GetValueOrDefault(key) + pages;
        }
    }

    /// <summary>A frame's pages; its compressed ones under <paramref name="keys"/>, its codec's <see cref="KeysFor"/>.</summary>
    public void Add(in FrameStats stats, string[] keys)
    {
        Add(Raw, stats.Raw);
        Add(Delta, stats.Delta);
        if (keys.Length == 1)
        {
            Add(keys[0], stats.Compressed);
            return;
        }

        for (int c = 0; c < keys.Length; c++)
        {
            Add(keys[c], stats.Classes[c]);
        }
    }

    /// <summary>
    /// The keys the pages of <paramref name="codec"/>, made from <paramref name="spec"/>, count under: the
    /// codec's name (without a dictionary's id, which each engine's dictionary has its own of), and for a
    /// codec with record classes (<see cref="IRecordClasses"/>) one key per class, <c>name/class</c>.
    /// </summary>
    public static string[] KeysFor(CodecSpec spec, IPageCodec codec)
    {
        string name = WithoutDictionary(spec).ToString();
        return ClassNames(codec) is { } names ? names.Select(n => $"{name}/{n}").ToArray() : [name];
    }

    private static CodecSpec WithoutDictionary(CodecSpec spec) =>
        spec with { Dictionary = null, General = spec.General is null ? null : WithoutDictionary(spec.General) };

    /// <summary>What each record class of <paramref name="codec"/> means, or null for a codec without classes.</summary>
    private static string[]? ClassNames(IPageCodec codec)
    {
        if (codec is not IRecordClasses classes)
        {
            return null;
        }

        string[] names = codec switch
        {
            MecomCodec => Mecom(),
            _ => Enumerable.Range(0, classes.RecordClassCount).Select(c => $"class-{c}").ToArray(),
        };
        return names.Length == classes.RecordClassCount
            ? names
            : throw new InvalidOperationException($"codec '{codec.Name}' has {classes.RecordClassCount} record classes, {names.Length} are named");
    }

    private static string[] Mecom()
    {
        var names = new string[MecomCodec.TagBaseDelta + 1];
        names[MecomCodec.TagZero] = "zero";
        names[MecomCodec.TagSameFilled] = "same-filled";
        names[MecomCodec.TagWordPattern] = "wkdm";
        names[MecomCodec.TagGeneral] = "general";
        names[MecomCodec.TagBaseDelta] = "bdi";
        return names;
    }
}
