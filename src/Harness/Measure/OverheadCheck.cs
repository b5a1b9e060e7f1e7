using System.Diagnostics;
using K4os.Compression.LZ4;
using Mecom.Codecs;

namespace Mecom.Harness.Measure;

/// <summary>What the harness itself costs, compared with a direct tight loop.</summary>
/// <param name="HarnessCompress">K4os LZ4 through <see cref="CodecComparison"/> (interface, grouping, bookkeeping), MB/s per pass.</param>
/// <param name="DirectCompress">The same pages through <c>LZ4Codec.Encode</c> in a bare loop, MB/s per pass.</param>
public sealed record OverheadResult(
    IReadOnlyList<double> HarnessCompress, IReadOnlyList<double> DirectCompress,
    IReadOnlyList<double> HarnessDecompress, IReadOnlyList<double> DirectDecompress)
{
    /// <summary>Median per-pass ratio harness / direct: 1.0 means no overhead.</summary>
    public double CompressRatio => Statistics.MedianRatio(HarnessCompress, DirectCompress);

    public double DecompressRatio => Statistics.MedianRatio(HarnessDecompress, DirectDecompress);
}

/// <summary>
/// Runs K4os LZ4 fast through the harness and through a bare loop over the same pages, alternating
/// pass by pass so both see the same machine, and reports the ratio: the harness's own overhead.
/// </summary>
public static class OverheadCheck
{
    public static OverheadResult Run(IReadOnlyList<PageSet> sets, int passes)
    {
        var spec = CodecRegistry.Parse("lz4");
        var harnessC = new List<double>();
        var harnessD = new List<double>();
        var directC = new List<double>();
        var directD = new List<double>();
        long bytes = sets.Sum(s => s.Bytes);
        // The bare loop walks the same pages in the same order as the harness (grouped by class), so
        // the ratio isolates the harness's own cost, not the effect of page order.
        PageSet[] groups = sets.SelectMany(s => CodecComparison.SplitByClass(s)).OfType<PageSet>().ToArray();
        byte[] output = new byte[sets.Max(s => s.Data.Length)];
        byte[] restored = new byte[output.Length];
        int[] lengths = new int[sets.Max(s => s.Count)];
        for (int pass = 0; pass <= passes; pass++)
        {
            ComparisonResult viaHarness = CodecComparison.Run([spec], sets, passes: 1, minTimeSeconds: 0, includeMemcpy: false);
            double c = 0, d = 0;
            foreach (PageSet set in groups)
            {
                (double sc, double sd) = Direct(set, output, restored, lengths);
                c += sc;
                d += sd;
            }

            if (pass == 0)
            {
                continue; // warm-up
            }

            harnessC.Add(viaHarness.Results[0].CompressMBps.Median);
            harnessD.Add(viaHarness.Results[0].DecompressMBps.Median);
            directC.Add(bytes / c / 1e6);
            directD.Add(bytes / d / 1e6);
        }

        return new OverheadResult(harnessC, directC, harnessD, directD);
    }

    private static (double Compress, double Decompress) Direct(PageSet set, byte[] output, byte[] restored, int[] lengths)
    {
        int size = set.PageSize;
        byte[] data = set.Data;
        long start = Stopwatch.GetTimestamp();
        for (int p = 0; p < set.Count; p++)
        {
            lengths[p] = LZ4Codec.Encode(data.AsSpan(p * size, size), output.AsSpan(p * size, size - 1), LZ4Level.L00_FAST);
        }

        double compress = Stopwatch.GetElapsedTime(start).TotalSeconds;
        start = Stopwatch.GetTimestamp();
        for (int p = 0; p < set.Count; p++)
        {
            if (lengths[p] > 0)
            {
                LZ4Codec.Decode(output.AsSpan(p * size, lengths[p]), restored.AsSpan(p * size, size));
            }
            else
            {
                data.AsSpan(p * size, size).CopyTo(restored.AsSpan(p * size, size));
            }
        }

        double decompress = Stopwatch.GetElapsedTime(start).TotalSeconds;
        if (!restored.AsSpan(0, data.Length).SequenceEqual(data))
        {
            throw new InvalidOperationException("the direct LZ4 loop did not round-trip");
        }

        return (compress, decompress);
    }
}
