using Mecom.Harness.Measure;

namespace Mecom.Harness.Migration.Experiments;

/// <summary>One cost table per guest, measured on first use with every codec the strategies need.</summary>
/// <param name="timed">False: sizes only, every CPU cost zero (<c>--free-cpu</c>).</param>
internal sealed class CostCache(IReadOnlyList<Strategy> strategies, ComparisonResult? speeds, bool timed = true)
{
    private readonly Dictionary<string, CostTable> tables = new(StringComparer.Ordinal);

    public CostTable For(GuestSpec spec)
    {
        if (!tables.TryGetValue(spec.Name, out CostTable? table))
        {
            using GuestWorkload workload = spec.MakeWorkload();
            var codecs = strategies.SelectMany(s => s.Codecs).Select(c => c.ToString()).Distinct().ToArray();
            table = CostTable.Measure(workload, spec.PageSize, codecs, speeds: speeds, timed: timed, image: spec.Image);
            tables[spec.Name] = table;
        }

        return table;
    }
}
