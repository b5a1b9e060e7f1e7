using System.CommandLine;
using System.Diagnostics;
using Mecom.Codecs;
using Mecom.Codecs.Framing;
using Mecom.Codecs.General;
using Mecom.Codecs.Selection;
using Mecom.Harness.Corpus;
using Mecom.Harness.Measure;
using Spectre.Console;

namespace Mecom.Harness.Cli;

/// <summary>
/// <c>mecom dict</c>: what a zstd dictionary trained on the guest's own pages buys on 4 KiB pages. The
/// dictionary is trained at "migration start" on evenly spaced non-zero pages and its bytes are counted
/// once in the output, as it is sent to the target once. Beside it, the batch-stream mode: each batch of
/// pages compressed as one stream (<see cref="BatchStream"/>), with and without the zero/same-filled tags.
/// </summary>
public static class DictCommand
{
    public static Command Create()
    {
        var corpus = new Option<string?>("--corpus") { Description = "default: the shipped corpora/" };
        var level = new Option<int>("--level") { Description = "zstd level", DefaultValueFactory = _ => 1 };
        var baselineLevel = new Option<int>("--baseline-level") { Description = "every ratio is also given against plain page-by-page zstd at this level", DefaultValueFactory = _ => 1 };
        var samples = new Option<int?>("--sample-pages") { Description = "pages the dictionary is trained on or picked from (default: 1000 to train; 8 per dictionary page for raw content)" };
        var capacity = new Option<int>("--dict-bytes") { Description = "dictionary size", DefaultValueFactory = _ => 112 * 1024 };
        var rawContent = new Option<bool>("--raw-content") { Description = "use sample pages themselves as the dictionary (zstd's raw-content dictionary) instead of training one" };
        var pick = new Option<RawPick>("--pick") { Description = "which sample pages a raw-content dictionary holds: covering (those sharing the most with the others) or evenly (evenly spaced)", DefaultValueFactory = _ => RawPick.Covering };
        var batch = new Option<int>("--batch") { Description = "pages per batch stream (QEMU multifd: 128)", DefaultValueFactory = _ => 128 };
        var command = new Command("dict", "what history buys small pages: zstd with a dictionary trained on the guest's pages, and whole batches as one stream")
        {
            corpus, level, baselineLevel, samples, capacity, rawContent, pick, batch,
        };
        command.SetAction(r => CliErrors.Guard(() => Run(r.GetValue(corpus), r.GetValue(level), r.GetValue(baselineLevel), r.GetValue(samples), r.GetValue(capacity), r.GetValue(batch), r.GetValue(rawContent) ? r.GetValue(pick) : null)));
        return command;
    }

    /// <summary>What the dictionary costs on the wire: what a migration sends, <see cref="RawDictionary.Pack"/>ed, never more than its size.</summary>
    internal static int WireBytes(ReadOnlySpan<byte> dictionary) =>
        dictionary.IsEmpty ? 0 : Math.Min(dictionary.Length, RawDictionary.Pack(dictionary).Length);

    /// <summary>How a raw-content dictionary picks its pages from the sample.</summary>
    public enum RawPick
    {
        Covering,
        Evenly,
    }

    private static int Run(string? corpus, int level, int baselineLevel, int? sampleOption, int capacity, int batchPages, RawPick? raw)
    {
        int samplePages = sampleOption ?? (raw is null ? 1000 : Math.Max(10, 8 * capacity / 4096));
        if (samplePages < 10 || capacity < 1024)
        {
            throw new ArgumentException("--sample-pages must be at least 10 and --dict-bytes at least 1024");
        }

        if (batchPages is < 1 or > 4096)
        {
            throw new ArgumentException("--batch must be 1..4096 pages");
        }

        foreach ((string option, int value) in new[] { ("--level", level), ("--baseline-level", baselineLevel) })
        {
            if (!ZstdCodec.IsLevel(value))
            {
                throw new ArgumentException($"{option} {value} is not a zstd level ({ZstdCodec.Levels})");
            }
        }

        string versus = level == baselineLevel ? $"vs zstd:{level}" : $"vs zstd:{level} / zstd:{baselineLevel}";
        var table = new Table().RoundedBorder().AddColumn("entry").AddColumn("codec")
            .AddColumn(new TableColumn("ratio").RightAligned())
            .AddColumn(new TableColumn(versus).RightAligned())
            .AddColumn(new TableColumn("compress MB/s").RightAligned())
            .AddColumn(new TableColumn("decompress MB/s").RightAligned())
            .AddColumn(new TableColumn("build ms").RightAligned())
            .AddColumn(new TableColumn("dict sent KiB").RightAligned());
        var totals = new OrderedDictionary<string, long>(StringComparer.Ordinal);
        long corpusBytes = 0;
        IReadOnlyList<CorpusEntry> entries = CorpusEntry.Discover(corpus ?? CorpusLocator.Default());
        AnsiConsole.Progress().AutoClear(true).Start(ctx =>
        {
            foreach (CorpusEntry entry in entries)
            {
                // Loading and the dictionary, then each codec's measurement.
                var task = ctx.AddTask(Markup.Escape(entry.Name), maxValue: 12);
                T Step<T>(Func<T> work)
                {
                    T result = work();
                    task.Increment(1);
                    return result;
                }

                PageSet set = Step(() => PageSet.Load(entry));
                // Timed from the guest's memory, as at migration start: the pages the general codec will see
                // (the selector tags zero and same-filled pages), evenly spaced.
                var clock = Stopwatch.StartNew();
                byte[][] training = RawDictionary.Sample(set.Data, set.PageSize, samplePages);
                byte[] dictionary = Step(() => training.Length < 10 ? []
                    : raw == RawPick.Covering ? RawDictionary.Covering(training, capacity)
                    : raw == RawPick.Evenly ? RawDictionary.Evenly(training, capacity)
                    : ZstdCodec.TrainDictionary(training, capacity));
                double trainMs = clock.Elapsed.TotalMilliseconds;
                int dictionaryWire = WireBytes(dictionary);

                var plain = Step(() => Measure(set, new ZstdCodec(level), 0));
                var baseline = level == baselineLevel ? plain : Step(() => Measure(set, new ZstdCodec(baselineLevel), 0));
                var rows = new List<(string Name, long Bytes, double MBps, double DecodeMBps)>(level == baselineLevel ? [plain] : [baseline, plain]);
                if (dictionary.Length > 0)
                {
                    rows.Add(Step(() => Measure(set, new ZstdCodec(level, dictionary), dictionaryWire)));
                    rows.Add(Step(() => Measure(set, new MecomCodec(0, new ZstdCodec(level, dictionary)), dictionaryWire)));
                }

                rows.Add(Step(() => Measure(set, new MecomCodec(0), 0)));
                rows.Add(Step(() => Measure(set, new BatchStream(new ZstdCodec(level), set.PageSize, batchPages, tags: false))));
                rows.Add(Step(() => Measure(set, new BatchStream(new ZstdCodec(level), set.PageSize, batchPages, tags: true))));
                rows.Add(Step(() => Measure(set, new DeflateCodec(1), 0)));
                rows.Add(Step(() => Measure(set, new BatchStream(new DeflateCodec(1), set.PageSize, batchPages, tags: true))));
                foreach ((string name, long bytes, double mbps, double decodeMbps) in rows)
                {
                    bool usesDictionary = name.Contains("dict", StringComparison.Ordinal);
                    table.AddRow(Markup.Escape(entry.Name), Markup.Escape(name), $"{(double)set.Bytes / bytes:F2}",
                        Versus(plain.Bytes, baseline.Bytes, bytes, level != baselineLevel),
                        $"{mbps:F0}", $"{decodeMbps:F0}", usesDictionary ? $"{trainMs:F0}" : string.Empty,
                        usesDictionary ? $"{dictionaryWire / 1024.0:F0} of {dictionary.Length / 1024}" : string.Empty);
                    totals[name] = totals.GetValueOrDefault(name) + bytes;
                }

                corpusBytes += set.Bytes;
                task.Value = task.MaxValue;
            }
        });

        // The whole corpus as one guest would be the done-when's figure; each entry keeps its own dictionary.
        long plainTotal = totals[$"zstd:{level}"];
        long baselineTotal = totals[$"zstd:{baselineLevel}"];
        foreach ((string name, long bytes) in totals)
        {
            table.AddRow("[bold]all[/]", Markup.Escape(name), $"{(double)corpusBytes / bytes:F2}",
                Versus(plainTotal, baselineTotal, bytes, level != baselineLevel), string.Empty, string.Empty, string.Empty, string.Empty);
        }

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"ratio counts the dictionary once, as a migration sends it: compressed (dict sent KiB: sent of its size); a page that does not shrink counts as raw; every page is verified. stream/{batchPages}: each {batchPages} consecutive pages as one stream (tags+: zero and same-filled pages tagged first).");
        return 0;
    }

    private static string Versus(long plain, long baseline, long bytes, bool both) =>
        both ? $"{(double)plain / bytes:F3}x / {(double)baseline / bytes:F3}x" : $"{(double)plain / bytes:F3}x";

    /// <summary>Batches of consecutive pages, each compressed as one stream; every batch verified.</summary>
    private static (string Name, long Bytes, double MBps, double DecodeMBps) Measure(PageSet set, BatchStream stream)
    {
        byte[] output = new byte[stream.MaxOutput(stream.BatchPages)];
        byte[] back = new byte[stream.BatchPages * set.PageSize];
        long bytes = 0;
        double seconds = 0, decodeSeconds = 0;
        for (int first = 0; first < set.Count; first += stream.BatchPages)
        {
            int count = Math.Min(stream.BatchPages, set.Count - first);
            ReadOnlySpan<byte> pages = set.Data.AsSpan(first * set.PageSize, count * set.PageSize);
            long start = Stopwatch.GetTimestamp();
            int length = stream.Compress(pages, output);
            seconds += Stopwatch.GetElapsedTime(start).TotalSeconds;
            bytes += length;
            start = Stopwatch.GetTimestamp();
            stream.Decompress(output.AsSpan(0, length), back.AsSpan(0, pages.Length));
            decodeSeconds += Stopwatch.GetElapsedTime(start).TotalSeconds;
            if (!pages.SequenceEqual(back.AsSpan(0, pages.Length)))
            {
                throw new InvalidOperationException($"{stream.Name}: the batch at page {first} of {set.Name} did not round-trip");
            }
        }

        return (stream.Name, bytes, set.Bytes / seconds / 1e6, set.Bytes / decodeSeconds / 1e6);
    }

    private static (string Name, long Bytes, double MBps, double DecodeMBps) Measure(PageSet set, IPageCodec codec, int extraBytes)
    {
        byte[] output = new byte[set.PageSize];
        byte[] back = new byte[set.PageSize];
        long bytes = extraBytes;
        double seconds = 0, decodeSeconds = 0;
        for (int p = 0; p < set.Count; p++)
        {
            long start = Stopwatch.GetTimestamp();
            int length = codec.Compress(set.Page(p), output);
            seconds += Stopwatch.GetElapsedTime(start).TotalSeconds;
            if (length == PageCodec.DidNotFit)
            {
                bytes += set.PageSize;
                continue;
            }

            bytes += length;
            start = Stopwatch.GetTimestamp();
            codec.Decompress(output.AsSpan(0, length), back);
            decodeSeconds += Stopwatch.GetElapsedTime(start).TotalSeconds;
            if (!set.Page(p).SequenceEqual(back))
            {
                throw new InvalidOperationException($"{codec.Name}: page {p} of {set.Name} did not round-trip");
            }
        }

        (codec as IDisposable)?.Dispose();
        return (codec.Name, bytes, set.Bytes / seconds / 1e6, set.Bytes / decodeSeconds / 1e6);
    }
}
