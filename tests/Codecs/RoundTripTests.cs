using Mecom.Codecs;
using Mecom.Harness.Corpus;
using Mecom.Tests.Support;

namespace Mecom.Tests.Codecs;

/// <summary>Every codec, every page: adversarial pages at both page sizes, the shipped corpus, the shared corpora.</summary>
public class RoundTripTests
{
    public static TheoryData<string> Codecs => new(CodecRegistry.DefaultSet.Select(s => s.ToString()));

    /// <summary>
    /// The codecs of <c>all</c> and the selectors with other general codecs (the paper's LZO where installed):
    /// on adversarial pages and the shipped corpus; the shared corpora's 235,000 pages already cover each
    /// general codec alone and the selector with LZ4, and would add minutes to every CI leg.
    /// </summary>
    public static TheoryData<string> CodecsAndSelectorsWithGeneralCodecs => new(CodecRegistry.DefaultSet.Select(s => s.ToString())
        .Concat(["mecom:0+zstd:1", "mecom:4+deflate:1", "mecom-bdi:2+lz4hc:9"])
        .Concat(CodecRegistry.DefaultSet.Any(s => s.Info.Name == "native-lzo1x") ? ["mecom:0+native-lzo1x", "mecom-bdi:4+native-lz4"] : []));

    [Theory]
    [MemberData(nameof(CodecsAndSelectorsWithGeneralCodecs))]
    public void Adversarial_pages_round_trip_at_4_and_16_KiB(string codecName)
    {
        IPageCodec codec = CodecRegistry.Create(codecName);
        foreach (int size in new[] { 4096, 16384 })
        {
            byte[] output = new byte[size];
            byte[] back = new byte[size];
            foreach (var (name, page) in TestPages.Adversarial(size))
            {
                int length = codec.Compress(page, output);
                Assert.True(length == PageCodec.DidNotFit || (length > 0 && length < size), $"{name}: length {length}");
                if (length > 0)
                {
                    back.AsSpan().Fill(0xEE);
                    codec.Decompress(output.AsSpan(0, length), back);
                    Assert.True(page.AsSpan().SequenceEqual(back), $"{codecName} on {name} ({size} B)");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(CodecsAndSelectorsWithGeneralCodecs))]
    public void Every_page_of_the_shipped_corpus_round_trips(string codecName)
    {
        foreach (CorpusEntry entry in Corpora.Shipped())
        {
            Assert.Null(RoundTrip(codecName, entry));
        }
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public void Every_page_of_the_shared_corpora_round_trips(string codecName)
    {
        Corpora.RequireShared();
        foreach (CorpusEntry entry in Corpora.Shared())
        {
            Assert.Null(RoundTrip(codecName, entry));
        }
    }

    /// <summary>Every page of the entry through the codec and back; the first page that failed, or null.</summary>
    internal static string? RoundTrip(string codecName, CorpusEntry entry)
    {
        byte[] image = SharedImages.Get(entry);
        int size = entry.PageSize;
        int pages = image.Length / size;
        var failures = new string?[2];
        // Two workers, each with its own codec: the suite must fit the CI's two cores and its time.
        Parallel.For(0, 2, worker =>
        {
            IPageCodec codec = CodecRegistry.Create(codecName);
            byte[] output = new byte[size];
            byte[] back = new byte[size];
            for (int p = worker; p < pages && failures[worker] is null; p += 2)
            {
                ReadOnlySpan<byte> page = image.AsSpan(p * size, size);
                int length = codec.Compress(page, output);
                if (length == PageCodec.DidNotFit)
                {
                    continue;
                }

                if (length < 1 || length >= size)
                {
                    failures[worker] = $"{codecName}: page {p} of {entry.Name} compressed to {length} bytes, outside 1..{size - 1}";
                    break;
                }

                codec.Decompress(output.AsSpan(0, length), back);
                if (!page.SequenceEqual(back))
                {
                    failures[worker] = $"{codecName}: page {p} of {entry.Name} did not round-trip";
                }
            }

            (codec as IDisposable)?.Dispose();
        });
        return failures[0] ?? failures[1];
    }
}

/// <summary>Decompressed corpus images, kept while the test run lasts so each is read once.</summary>
internal static class SharedImages
{
    private static readonly Dictionary<string, byte[]> Cache = [];

    public static byte[] Get(CorpusEntry entry)
    {
        lock (Cache)
        {
            if (!Cache.TryGetValue(entry.PagesPath, out byte[]? image))
            {
                image = entry.ReadAllPages();
                Cache[entry.PagesPath] = image;
            }

            return image;
        }
    }
}
