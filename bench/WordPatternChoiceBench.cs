using BenchmarkDotNet.Attributes;
using Mecom.Codecs;
using Mecom.Codecs.Pages;

namespace Mecom.Bench;

/// <summary>
/// BDI against WKdm on the pages the selector would give BDI (<c>mecom-bdi:4</c>: BDI output at most half a
/// page, not zero or same-filled, which are tagged before either runs). WKdm is the baseline, so the ratio
/// column is BDI's speed relative to WKdm's on the same pages in the same run.
/// </summary>
[MemoryDiagnoser]
public class WordPatternChoiceBench
{
    private readonly List<byte[]> pages = [];
    private readonly byte[] output = new byte[4096];
    private IPageCodec bdi = null!;
    private IPageCodec wkdm = null!;

    [GlobalSetup]
    public void Setup()
    {
        bdi = CodecRegistry.Create("bdi");
        wkdm = CodecRegistry.Create("wkdm");
        for (int p = 0; p < BenchPages.Count; p++)
        {
            ReadOnlySpan<byte> page = BenchPages.Image.AsSpan(p * 4096, 4096);
            if (!ZeroPage.IsZero(page) && !SameFilledPage.TryGetFillValue(page, out _) && bdi.Compress(page, output.AsSpan(0, 2048)) > 0)
            {
                pages.Add(page.ToArray());
            }
        }

        if (pages.Count == 0)
        {
            throw new InvalidOperationException("no page of the corpus is BDI's");
        }
    }

    [Benchmark(Baseline = true)]
    public int Wkdm() => Run(wkdm);

    [Benchmark]
    public int Bdi() => Run(bdi);

    private int Run(IPageCodec codec)
    {
        int total = 0;
        foreach (byte[] page in pages)
        {
            total += codec.Compress(page, output);
        }

        return total;
    }
}
