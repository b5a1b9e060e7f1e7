using BenchmarkDotNet.Attributes;
using Mecom.Codecs.Pages;

namespace Mecom.Bench;

/// <summary>
/// Ours (whatever tier the job's switches leave) against the BCL's vectorized
/// <c>ContainsAnyExcept</c>, QEMU's sample-three-bytes-first variant and a plain byte loop, on one
/// cache-resident page of each kind.
/// </summary>
public class ZeroDetectionBench
{
    private byte[] page = [];

    [Params("all-zero", "first-byte-set", "last-byte-set", "real")]
    public string Page { get; set; } = "all-zero";

    [GlobalSetup]
    public void Setup()
    {
        page = new byte[4096];
        switch (Page)
        {
            case "first-byte-set":
                page[0] = 1;
                break;
            case "last-byte-set":
                page[^1] = 1;
                break;
            case "real":
                // The first non-zero, non-filled page of the corpus: a typical early exit.
                byte[] image = BenchPages.Image;
                for (int p = 0; p < BenchPages.Count; p++)
                {
                    var candidate = image.AsSpan(p * 4096, 4096);
                    if (!ZeroPage.IsZero(candidate) && !SameFilledPage.TryGetFillValue(candidate, out _))
                    {
                        candidate.CopyTo(page);
                        break;
                    }
                }

                break;
        }
    }

    [Benchmark(Baseline = true)]
    public bool Bcl() => !page.AsSpan().ContainsAnyExcept((byte)0);

    [Benchmark]
    public bool Ours() => ZeroPage.IsZero(page);

    [Benchmark]
    public bool OursSampledFirst() => ZeroPage.IsZeroSampled(page);

    [Benchmark]
    public bool ScalarByteLoop()
    {
        foreach (byte b in page)
        {
            if (b != 0)
            {
                return false;
            }
        }

        return true;
    }

    [Benchmark]
    public bool SameFilled() => SameFilledPage.TryGetFillValue(page, out _);
}
