using System.CommandLine;
using Mecom.Codecs;
using Mecom.Codecs.Delta;
using Mecom.Harness.Corpus;
using Spectre.Console;

namespace Mecom.Harness.Cli;

/// <summary>
/// <c>mecom delta</c>: what XBZRLE deltas save on re-sent pages. Replays each entry's trace as pre-copy
/// would: round 0 sends every page (filling the old-page cache), each epoch re-sends the pages it dirtied,
/// as a delta against the cached previous version when there is one (the normal codec when the delta
/// overflows), and compares the bytes with sending those pages through the codec alone.
/// </summary>
public static class DeltaCommand
{
    public static Command Create()
    {
        var corpus = new Option<string?>("--corpus") { Description = "entries with traces; default: the shipped corpora/" };
        var codec = new Option<string>("--codec") { Description = "the codec re-sent pages go through without a delta", DefaultValueFactory = _ => "mecom" };
        var percent = new Option<double>("--cache-percent") { Description = "old-page cache size, % of guest memory", DefaultValueFactory = _ => 25 };
        var command = new Command("delta", "bytes saved by XBZRLE deltas on the traces' re-dirtied pages") { corpus, codec, percent };
        command.SetAction(r => CliErrors.Guard(() => Run(r.GetValue(corpus), r.GetValue(codec)!, r.GetValue(percent))));
        return command;
    }

    private static int Run(string? corpusPath, string codecName, double percent)
    {
        if (percent is <= 0 or > 100)
        {
            throw new ArgumentException($"--cache-percent must be in (0, 100], got {percent}");
        }

        IPageCodec codec = CodecRegistry.Create(codecName);
        var table = new Table().RoundedBorder()
            .AddColumn("entry")
            .AddColumn(new TableColumn("re-sent pages").RightAligned())
            .AddColumn(new TableColumn("as deltas").RightAligned())
            .AddColumn(new TableColumn($"bytes via {codecName}").RightAligned())
            .AddColumn(new TableColumn("bytes with deltas").RightAligned())
            .AddColumn(new TableColumn("deltas / codec").RightAligned());
        long allCodec = 0, allDelta = 0;
        foreach (CorpusEntry entry in CorpusEntry.Discover(corpusPath ?? CorpusLocator.Default()).Where(e => e.TracePath is not null))
        {
            int size = entry.PageSize;
            byte[] memory = entry.ReadAllPages();
            using var cache = PageCache.ForGuest(entry.Pages, percent, size);
            byte[] output = new byte[size];
            for (long p = 0; p < entry.Pages; p++)
            {
                ReadOnlySpan<byte> sent = memory.AsSpan((int)(p * size), size);
                int n = codec.Compress(sent, output);
                cache.Put(p, sent, n == PageCodec.DidNotFit ? default : output.AsSpan(0, n), codec);
            }

            byte[] deltaOutput = new byte[size];
            long resent = 0, asDelta = 0, viaCodec = 0, withDelta = 0;
            foreach (TraceEpoch epoch in TraceReader.ReadAll(entry))
            {
                for (int i = 0; i < epoch.Indices.Length; i++)
                {
                    long index = epoch.Indices[i];
                    ReadOnlySpan<byte> page = epoch.Page(i, size);
                    int normal = codec.Compress(page, output);
                    long normalBytes = normal == PageCodec.DidNotFit ? size : normal;
                    long deltaBytes = normalBytes;
                    if (cache.TryGet(index, out ReadOnlySpan<byte> previous))
                    {
                        // The delta must beat the normal path to be worth sending; otherwise it falls back.
                        int delta = XbzrleDelta.Encode(previous, page, deltaOutput.AsSpan(0, (int)Math.Min(normalBytes, size - 1)));
                        if (delta != PageCodec.DidNotFit)
                        {
                            deltaBytes = delta;
                            asDelta++;
                        }
                    }

                    resent++;
                    viaCodec += normalBytes;
                    withDelta += deltaBytes;
                    cache.Put(index, page, normal == PageCodec.DidNotFit ? default : output.AsSpan(0, normal), codec);
                    page.CopyTo(memory.AsSpan((int)(index * size), size));
                }
            }

            allCodec += viaCodec;
            allDelta += withDelta;
            table.AddRow(Markup.Escape(entry.Name), $"{resent:N0}", $"{100.0 * asDelta / Math.Max(1, resent):F1}%", $"{viaCodec:N0}", $"{withDelta:N0}",
                $"{(double)withDelta / Math.Max(1, viaCodec):F3}x");
        }

        table.AddRow("[bold]all[/]", string.Empty, string.Empty, $"{allCodec:N0}", $"{allDelta:N0}", $"[bold]{(double)allDelta / Math.Max(1, allCodec):F3}x[/]");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"cache: {percent}% of each guest's memory in bytes, pages kept as {Markup.Escape(codecName)} encoded them, least recently sent evicted; round 0 fills it with every page.");
        return 0;
    }
}
