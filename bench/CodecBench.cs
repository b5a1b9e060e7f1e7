using BenchmarkDotNet.Attributes;
using Mecom.Codecs;

namespace Mecom.Bench;

/// <summary>
/// Every available codec (as <c>mecom codecs --codecs all</c> runs them) on the same real pages, each page
/// compressed and decompressed on its own. One operation is one page (OperationsPerInvoke), so the
/// allocation column reads per page. Narrow with <c>--filter '*CodecBench*'</c> and BDN's own options.
/// </summary>
public class CodecBench
{
    /// <summary>Which pages of the corpus are measured: every one here.</summary>
    protected virtual bool Measures(ReadOnlySpan<byte> candidate) => true;

    private const int Pages = 2048;
    private byte[] image = [];
    private byte[] compressed = [];
    private int[] lengths = [];
    private byte[] page = new byte[4096];
    private IPageCodec codec = null!;

    [ParamsSource(nameof(Codecs))]
    public virtual string Codec { get; set; } = "wkdm";

    public static IEnumerable<string> Codecs => CodecRegistry.DefaultSet.Select(c => c.ToString());

    [GlobalSetup]
    public void Setup()
    {
        // Evenly spaced pages of the shipped corpus: all its entries, zero pages included, as migration sees
        // them, or only those a subclass measures.
        int[] wanted = Enumerable.Range(0, BenchPages.Count).Where(p => Measures(BenchPages.Image.AsSpan(p * 4096, 4096))).ToArray();
        image = new byte[Pages * 4096];
        for (int p = 0; p < Pages; p++)
        {
            BenchPages.Image.AsSpan(wanted[(int)((long)p * wanted.Length / Pages)] * 4096, 4096).CopyTo(image.AsSpan(p * 4096));
        }

        codec = CodecRegistry.Create(Codec);
        compressed = new byte[image.Length];
        lengths = new int[Pages];
        Compress();
    }

    [Benchmark(OperationsPerInvoke = Pages)]
    public int Compress()
    {
        int total = 0;
        for (int p = 0; p < Pages; p++)
        {
            lengths[p] = codec.Compress(image.AsSpan(p * 4096, 4096), compressed.AsSpan(p * 4096, 4096));
            total += lengths[p];
        }

        return total;
    }

    [Benchmark(OperationsPerInvoke = Pages)]
    public int Decompress()
    {
        for (int p = 0; p < Pages; p++)
        {
            if (lengths[p] > 0)
            {
                codec.Decompress(compressed.AsSpan(p * 4096, lengths[p]), page);
            }
        }

        return page[0];
    }
}
