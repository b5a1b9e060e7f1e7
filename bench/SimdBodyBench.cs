using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Mecom.Bench.Legacy;
using Mecom.Codecs.Pages;
using Mecom.Codecs.Simd;
using Mecom.Codecs.WordPattern;

namespace Mecom.Bench;

/// <summary>
/// The vector bodies written once over <see cref="IVectorTier{TVector}"/> against the per-width copies they
/// replaced (bench/Legacy, kept for this comparison only), every vector tier named in one process, side by
/// side on the same buffers. Run with <c>--tiers default</c>: the tier is a parameter here, not a job.
/// </summary>
[CategoriesColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByParams)]
public class SimdBodyBench
{
    private readonly byte[] zero = new byte[4096];
    private readonly byte[] filled = new byte[4096];
    private readonly byte[] tags = new byte[1024];
    private readonly byte[] packedTags = new byte[256];
    private readonly byte[] indices = new byte[1024];
    private readonly byte[] packedIndices = new byte[300];
    private readonly uint[] lows = new uint[1024];
    private readonly byte[] packedLows = new byte[4 * 341];
    private readonly byte[] bdiPage = new byte[4096];
    private readonly byte[] bdiOut = new byte[4096 + 256];
    private readonly byte[] wordTags = new byte[1024];
    private readonly uint[] slots = new uint[1024];
    private readonly uint[] previous = new uint[1024];

    [Params(SimdTier.Vector128, SimdTier.Vector256, SimdTier.Vector512)]
    public SimdTier Tier { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        MemoryMarshal.Cast<byte, ulong>(filled.AsSpan()).Fill(0x0123_4567_89AB_CDEF);
        var random = new Random(42);
        for (int i = 0; i < tags.Length; i++)
        {
            tags[i] = (byte)random.Next(4);
            indices[i] = (byte)random.Next(16);
            lows[i] = (uint)random.Next(1024);
        }

        packedIndices.AsSpan().Clear();
        random.NextBytes(packedTags);
        random.NextBytes(packedLows);

        // The first corpus page BΔI packs into less than a page: a real mix of encodings.
        byte[] image = BenchPages.Image;
        for (int p = 0; p < BenchPages.Count; p++)
        {
            var candidate = image.AsSpan(p * 4096, 4096);
            if (!ZeroPage.IsZero(candidate) && !SameFilledPage.TryGetFillValue(candidate, out _) &&
                BdiClassifier.ClassifyAndPackPage(ref MemoryMarshal.GetReference(candidate), 64, ref bdiOut[0], 3072, SimdTier.Vector128) > 0)
            {
                candidate.CopyTo(bdiPage);
                break;
            }
        }
    }

    [Benchmark(Baseline = true), BenchmarkCategory("IsZero")]
    public bool IsZeroLegacy() => LegacyZeroPage.IsZero(zero, Tier);

    [Benchmark, BenchmarkCategory("IsZero")]
    public bool IsZeroNew() => ZeroPage.IsZero(zero, Tier);

    [Benchmark(Baseline = true), BenchmarkCategory("IsZero-dispatch")]
    public bool IsZeroDispatchLegacy() => LegacyZeroPage.IsZero(zero);

    [Benchmark, BenchmarkCategory("IsZero-dispatch")]
    public bool IsZeroDispatchNew() => ZeroPage.IsZero(zero);

    [Benchmark(Baseline = true), BenchmarkCategory("SameFilled")]
    public bool SameFilledLegacy() => LegacySameFilledPage.TryGetFillValue(filled, Tier, out _);

    [Benchmark, BenchmarkCategory("SameFilled")]
    public bool SameFilledNew() => SameFilledPage.TryGetFillValue(filled, Tier, out _);

    [Benchmark(Baseline = true), BenchmarkCategory("PackTags")]
    public void PackTagsLegacy() => LegacyWkdmPacking.PackTags(tags, packedTags, Tier);

    [Benchmark, BenchmarkCategory("PackTags")]
    public void PackTagsNew() => WkdmPacking.PackTags(tags, packedTags, Tier);

    [Benchmark(Baseline = true), BenchmarkCategory("UnpackTags")]
    public void UnpackTagsLegacy() => LegacyWkdmPacking.UnpackTags(packedTags, tags, Tier);

    [Benchmark, BenchmarkCategory("UnpackTags")]
    public void UnpackTagsNew() => WkdmPacking.UnpackTags(packedTags, tags, Tier);

    [Benchmark(Baseline = true), BenchmarkCategory("PackIndices")]
    public void PackIndicesLegacy() => LegacyWkdmPacking.PackIndices(indices, packedIndices, Tier);

    [Benchmark, BenchmarkCategory("PackIndices")]
    public void PackIndicesNew() => WkdmPacking.PackIndices(indices, packedIndices, Tier);

    [Benchmark(Baseline = true), BenchmarkCategory("UnpackIndices")]
    public void UnpackIndicesLegacy() => LegacyWkdmPacking.UnpackIndices(packedIndices, indices, Tier);

    [Benchmark, BenchmarkCategory("UnpackIndices")]
    public void UnpackIndicesNew() => WkdmPacking.UnpackIndices(packedIndices, indices, Tier);

    [Benchmark(Baseline = true), BenchmarkCategory("PackLows")]
    public void PackLowsLegacy() => LegacyWkdmPacking.PackLows(lows, packedLows, Tier);

    [Benchmark, BenchmarkCategory("PackLows")]
    public void PackLowsNew() => WkdmPacking.PackLows(lows, packedLows, Tier);

    [Benchmark(Baseline = true), BenchmarkCategory("UnpackLows")]
    public void UnpackLowsLegacy() => LegacyWkdmPacking.UnpackLows(packedLows, lows, Tier);

    [Benchmark, BenchmarkCategory("UnpackLows")]
    public void UnpackLowsNew() => WkdmPacking.UnpackLows(packedLows, lows, Tier);

    [Benchmark(Baseline = true), BenchmarkCategory("WkdmTags")]
    public void WkdmTagsLegacy() => LegacyWkdmClassifier.Tags(MemoryMarshal.Cast<byte, uint>(bdiPage.AsSpan()), wordTags, slots, previous, Tier);

    [Benchmark, BenchmarkCategory("WkdmTags")]
    public void WkdmTagsNew() => WkdmClassifier.Tags(MemoryMarshal.Cast<byte, uint>(bdiPage.AsSpan()), wordTags, slots, previous, Tier);

    [Benchmark(Baseline = true), BenchmarkCategory("BdiPage")]
    public int BdiPageLegacy() => LegacyBdiClassifier.ClassifyAndPackPage(ref bdiPage[0], 64, ref bdiOut[0], 4096, Tier);

    [Benchmark, BenchmarkCategory("BdiPage")]
    public int BdiPageNew() => BdiClassifier.ClassifyAndPackPage(ref bdiPage[0], 64, ref bdiOut[0], 4096, Tier);
}
