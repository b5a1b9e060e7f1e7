using System.Globalization;
using System.Text.RegularExpressions;

namespace Mecom.Harness.Migration.Protocol;

/// <summary>Link rates as users write them: <c>100mbit</c>, <c>1gbit</c>, <c>10gbit</c>, <c>125MB/s</c>.</summary>
public static partial class Bandwidth
{
    private const string Forms = "write a number and a unit: bit, kbit, mbit, gbit (bits/s, decimal) or B/s, KB/s, MB/s, GB/s, KiB/s, MiB/s, GiB/s, e.g. 100mbit,1gbit,10gbit";

    private static readonly Dictionary<string, double> BitUnits = new(StringComparer.OrdinalIgnoreCase)
    {
        ["bit"] = 1, ["bps"] = 1, ["kbit"] = 1e3, ["kbps"] = 1e3, ["mbit"] = 1e6, ["mbps"] = 1e6,
        ["gbit"] = 1e9, ["gbps"] = 1e9, ["tbit"] = 1e12,
    };

    // Bytes are case-sensitive: "MB/s" is bytes, "mbit" bits; nobody should have to guess which "mb" is.
    private static readonly Dictionary<string, double> ByteUnits = new(StringComparer.Ordinal)
    {
        ["B/s"] = 8, ["KB/s"] = 8e3, ["kB/s"] = 8e3, ["MB/s"] = 8e6, ["GB/s"] = 8e9,
        ["KiB/s"] = 8.0 * 1024, ["MiB/s"] = 8.0 * 1024 * 1024, ["GiB/s"] = 8.0 * 1024 * 1024 * 1024,
    };

    /// <summary>Bits per second.</summary>
    public static double Parse(string text)
    {
        Match m = Pattern().Match(text.Trim());
        if (!m.Success || !double.TryParse(m.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || value <= 0 || double.IsInfinity(value))
        {
            throw new ArgumentException($"bad bandwidth '{text}'; {Forms}");
        }

        string unit = m.Groups[2].Value;
        if (!BitUnits.TryGetValue(unit, out double factor) && !ByteUnits.TryGetValue(unit, out factor))
        {
            throw new ArgumentException($"bad bandwidth unit '{unit}' in '{text}'; {Forms}");
        }

        double bps = value * factor;
        if (bps < 1e5 || bps > 1e12)
        {
            throw new ArgumentException($"bandwidth '{text}' is outside 100kbit..1tbit");
        }

        return bps;
    }

    public static IReadOnlyList<double> ParseList(string text)
    {
        var list = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Parse).Distinct().ToArray();
        return list.Length > 0 ? list : throw new ArgumentException($"no bandwidth given; {Forms}");
    }

    /// <summary>Short label: <c>100mbit</c>, <c>1gbit</c>, <c>2.5gbit</c>.</summary>
    public static string Format(double bps) =>
        bps >= 1e9 ? $"{(bps / 1e9).ToString("0.###", CultureInfo.InvariantCulture)}gbit"
        : bps >= 1e6 ? $"{(bps / 1e6).ToString("0.###", CultureInfo.InvariantCulture)}mbit"
        : $"{(bps / 1e3).ToString("0.###", CultureInfo.InvariantCulture)}kbit";

    [GeneratedRegex(@"^([0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)\s*([A-Za-z/]+)$")]
    private static partial Regex Pattern();
}
