using System.Text.Json;
using Mecom.Codecs;
using Mecom.Harness.Measure;
using Mecom.Harness.Reporting;
using Mecom.Tests.Support;

namespace Mecom.Tests.Harness;

public class CodecComparisonTests
{
    private static readonly Lazy<ComparisonResult> Small = new(() =>
    {
        // Two small entries with every page class: zero, same-filled, WKdm-friendly and other pages.
        var pages = TestPages.Adversarial(4096).Select(p => p.Page).ToArray();
        var a = new PageSet("a", pages.Take(12).SelectMany(p => p).ToArray(), 4096);
        var b = new PageSet("b", pages.Skip(12).SelectMany(p => p).ToArray(), 4096);
        return CodecComparison.Run(CodecRegistry.ParseList("wkdm,lz4,zstd:1"), [a, b], passes: 3, minTimeSeconds: 0, includeMemcpy: true);
    });

    [Fact]
    public void Rows_sum_their_classes_and_their_entries()
    {
        ComparisonResult r = Small.Value;
        Assert.Equal(["wkdm", "lz4", "zstd:1", "memcpy", "calibration"], r.Results.Select(x => x.Codec));
        Assert.NotNull(r.ByCorpus);
        foreach (CodecRow row in r.Results)
        {
            Assert.Equal(row.Pages, row.ByClass!.Values.Sum(c => c.Pages));
            Assert.Equal(row.BytesOut, row.ByClass!.Values.Sum(c => c.BytesOut));
            Assert.Equal(row.BytesIn, r.ByCorpus!.Values.Sum(rows => rows.Single(x => x.Codec == row.Codec).BytesIn));
            Assert.Equal(3, row.CompressMBps.Samples.Count);
            Assert.All(row.CompressMBps.Samples, s => Assert.True(s > 0));
        }

        Assert.Equal(r.Corpus.Sum(c => c.Pages), r.Results[0].Pages);
        Assert.Contains("zero", r.Results[0].ByClass!.Keys);
        Assert.Contains("other", r.Results[0].ByClass!.Keys);
    }

    [Fact]
    public void Paired_rows_divide_each_pass_by_the_baselines_same_pass()
    {
        ComparisonResult r = Small.Value;
        IReadOnlyList<PairedRow> paired = PairedComparison.Against(r, "lz4");
        CodecRow lz4 = r.Results.Single(x => x.Codec == "lz4");
        Assert.Equal(["wkdm", "zstd:1", "memcpy", "calibration"], paired.Select(p => p.Codec));
        foreach (PairedRow p in paired)
        {
            CodecRow row = r.Results.Single(x => x.Codec == p.Codec);
            Assert.Equal("lz4", p.Baseline);
            Assert.Equal(row.Ratio / lz4.Ratio, p.RatioX, 12);
            double[] expected = row.CompressMBps.Samples.Zip(lz4.CompressMBps.Samples, (a, b) => a / b).ToArray();
            Assert.Equal(expected, p.CompressX.Samples);
            Assert.InRange(p.CompressX.Median, expected.Min(), expected.Max());
            Assert.Equal(row.DecompressMBps.Samples.Count, p.DecompressX.Samples.Count);
        }

        var e = Assert.Throws<ArgumentException>(() => PairedComparison.Against(r, "zstd:3"));
        Assert.Contains("the baseline 'zstd:3' was not measured; measured: wkdm, lz4, zstd:1", e.Message);
        string md = ResultFiles.Markdown(r with { Paired = paired }, SortColumn.Name);
        Assert.Contains("Against lz4 measured beside it", md);
        Assert.Contains($"| zstd:1 | {paired.Single(p => p.Codec == "zstd:1").RatioX:F3}x |", md);
    }

    [Fact]
    public void Memcpy_is_ratio_one_and_sizes_match_the_codecs_own_output()
    {
        ComparisonResult r = Small.Value;
        CodecRow memcpy = r.Results.Single(x => x.Codec == "memcpy");
        Assert.Equal(1.0, memcpy.Ratio);

        var wkdm = CodecRegistry.Create("wkdm");
        long expected = 0;
        byte[] output = new byte[4096];
        foreach (var (_, page) in TestPages.Adversarial(4096))
        {
            int length = wkdm.Compress(page, output);
            expected += length == PageCodec.DidNotFit ? 4096 : length;
        }

        Assert.Equal(expected, r.Results.Single(x => x.Codec == "wkdm").BytesOut);
    }

    [Fact]
    public void Json_has_the_documented_schema_and_reads_back()
    {
        ComparisonResult r = Small.Value;
        string path = Path.Combine(Path.GetTempPath(), $"mecom-{Guid.NewGuid():N}.json");
        try
        {
            ResultFiles.WriteJson(r, path);
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            JsonElement root = doc.RootElement;
            Assert.Equal(1, root.GetProperty("schema").GetInt32());
            foreach (string key in new[] { "cpu", "cores", "vectorWidth", "runtime" })
            {
                Assert.True(root.GetProperty("machine").TryGetProperty(key, out _), $"machine.{key}");
            }

            Assert.Equal(2, root.GetProperty("corpus").GetArrayLength());
            JsonElement row = root.GetProperty("results")[0];
            foreach (string key in new[] { "codec", "pages", "bytesIn", "bytesOut", "ratio", "compressMBps", "decompressMBps", "byClass" })
            {
                Assert.True(row.TryGetProperty(key, out _), $"results[0].{key}");
            }

            foreach (string key in new[] { "median", "ciLow", "ciHigh", "samples" })
            {
                Assert.True(row.GetProperty("compressMBps").TryGetProperty(key, out _), $"compressMBps.{key}");
            }

            Assert.True(root.GetProperty("byCorpus").TryGetProperty("a", out _));
            ComparisonResult back = ResultFiles.ReadJson(path);
            Assert.Equal(r.Results.Select(x => (x.Codec, x.BytesOut)), back.Results.Select(x => (x.Codec, x.BytesOut)));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Csv_has_a_line_per_codec_scope_and_corpus()
    {
        ComparisonResult r = Small.Value;
        string path = Path.Combine(Path.GetTempPath(), $"mecom-{Guid.NewGuid():N}.csv");
        try
        {
            ResultFiles.WriteCsv(r, path);
            string[] lines = File.ReadAllLines(path);
            Assert.StartsWith("corpus,codec,scope,pages,bytesIn,bytesOut,ratio", lines[0]);
            int scopesPerCodec = 1 + r.Results[0].ByClass!.Count;
            Assert.Contains(lines, l => l.StartsWith("*,wkdm,all,", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.StartsWith("a,lz4,all,", StringComparison.Ordinal));
            Assert.True(lines.Length - 1 >= 4 * scopesPerCodec, $"{lines.Length} lines");
            Assert.All(File.ReadAllText(path).Split("\r\n")[..^1], l => Assert.DoesNotContain('\n', l));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("two\nlines", "\"two\nlines\"")]
    public void Csv_fields_are_quoted_as_rfc_4180_says(string field, string written)
    {
        Assert.Equal(written, ResultFiles.Csv(field));

        // Read back by the RFC's rules: the quoted field is the original again.
        string back = written.StartsWith('"') ? written[1..^1].Replace("\"\"", "\"", StringComparison.Ordinal) : written;
        Assert.Equal(field, back);
    }

    [Fact]
    public void Plots_are_written_as_png()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"mecom-plots-{Guid.NewGuid():N}");
        try
        {
            foreach (string png in CodecPlots.Write(Small.Value, folder))
            {
                byte[] head = File.ReadAllBytes(png)[..8];
                Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 13, 10, 26, 10 }, head);
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Pareto_front_keeps_only_codecs_nothing_beats_on_both_axes()
    {
        static CodecRow Row(string name, double speed, long bytesOut) => new()
        {
            Codec = name,
            BytesIn = 1000,
            BytesOut = bytesOut,
            CompressMBps = new SpeedSummary(speed, speed, speed),
            DecompressMBps = new SpeedSummary(1, 1, 1),
        };

        var rows = new[]
        {
            Row("fast", 1000, 500),   // ratio 2
            Row("small", 100, 100),   // ratio 10
            Row("middle", 500, 250),  // ratio 4
            Row("worse", 400, 300),   // beaten by middle on both
            Row("memcpy", 9000, 1000),
        };
        Assert.Equal(["small", "middle", "fast"], CodecPlots.ParetoFront(rows).Select(r => r.Codec));

        // Against decompress speed every codec here decodes at 1 MB/s: only the smallest is on the front.
        Assert.Equal(["small"], CodecPlots.ParetoFront(rows, r => r.DecompressMBps).Select(r => r.Codec));
    }

    [Fact]
    public void A_grid_over_several_links_is_also_drawn_against_link_speed()
    {
        string folder = Directory.CreateTempSubdirectory("mecom-link-plot-").FullName;
        try
        {
            MigrationRun Run(string strategy, double bps, double downtime) => new()
            {
                Corpus = "guest", Strategy = strategy, BandwidthBps = bps, Mode = "simulated", StopRule = "qemu", StopReason = "test",
                Workload = "test", DowntimeMs = downtime, TotalTimeMs = 1000 * downtime, BytesSent = 1 << 20, Exact = true,
            };

            var written = MigrationPlots.Write([Run("raw", 1e8, 90), Run("mecom", 1e8, 30), Run("raw", 1e9, 9), Run("mecom", 1e9, 3)], folder);
            string png = Assert.Single(written, p => p.EndsWith("guest-vs-link.png", StringComparison.Ordinal));
            using var image = SkiaSharp.SKBitmap.Decode(png);
            Assert.Equal((1500, 520), (image.Width, image.Height));
            Assert.DoesNotContain(MigrationPlots.Write([Run("raw", 1e9, 9)], folder), p => p.EndsWith("vs-link.png", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
