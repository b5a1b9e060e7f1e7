using BenchmarkDotNet.Attributes;
using Mecom.Codecs.Pages;

namespace Mecom.Bench;

/// <summary>
/// lz4page against K4os LZ4 and the C liblz4 on the pages an LZ4 actually works on: pages of the shipped
/// corpus that are neither zero nor same-filled (the selector tags those). One operation is one page.
/// <c>--filter '*Lz4PageBench*' --tiers default</c>.
/// </summary>
public class Lz4PageBench : CodecBench
{
    [Params("lz4", "lz4page", "native-lz4")]
    public override string Codec { get; set; } = "lz4page";

    protected override bool Measures(ReadOnlySpan<byte> candidate) =>
        !ZeroPage.IsZero(candidate) && !SameFilledPage.TryGetFillValue(candidate, out _);
}
