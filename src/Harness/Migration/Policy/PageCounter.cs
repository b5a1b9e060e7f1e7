using Mecom.Codecs;
using Mecom.Codecs.Framing;
using Mecom.Codecs.Selection;

namespace Mecom.Harness.Migration.Policy;

/// <summary>
/// Pages sent, by how they went: a run's <c>pageCounts</c>. Raw and delta pages count under
/// <see cref="Raw"/> and <see cref="Delta"/>, a codec's pages under the keys of <see cref="KeysFor"/>.
/// </summary>
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
    /// The keys <paramref name="codec"/>'s compressed pages count under, by record class
    /// (<see cref="IRecordClasses"/>); a codec without classes has one, its name.
    /// </summary>
    public static string[] KeysFor(IPageCodec codec) => ClassNames(codec) is { } names
        ? names.Select(n => $"mecom/{n}").ToArray()
        : [codec.Name];

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
