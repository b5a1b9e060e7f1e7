using System.CommandLine;
using System.Text.Json;
using Mecom.Harness.Corpus;
using ZstdSharp;

namespace Mecom.Harness.Cli;

/// <summary><c>mecom corpus ...</c>: work on corpus entries.</summary>
public static class CorpusCommand
{
    public static Command Create()
    {
        var command = new Command("corpus", "work with memory corpora (corpora/FORMAT.md)");
        command.Subcommands.Add(Sample());
        command.Subcommands.Add(CaptureCommand.Create());
        command.Subcommands.Add(CaptureVmCommand.Create());
        command.Subcommands.Add(StatsCommand.Create());
        return command;
    }

    /// <summary>
    /// <c>corpus sample</c>: every k-th page of an entry, so a small corpus keeps the big one's page mix.
    /// </summary>
    private static Command Sample()
    {
        var from = new Option<string>("--from") { Description = "the entry to sample (file stem)", Required = true };
        var pages = new Option<int>("--pages") { Description = "how many pages to keep", Required = true };
        var output = new Option<string>("--out") { Description = "the new entry's stem", Required = true };
        var command = new Command("sample", "write a smaller entry holding evenly spaced pages of another") { from, pages, output };
        command.SetAction(r => CliErrors.Guard(() => Run(r.GetValue(from)!, r.GetValue(pages), r.GetValue(output)!)));
        return command;
    }

    private static int Run(string from, int pages, string outStem)
    {
        CorpusEntry entry = CorpusEntry.Open(from);
        if (pages < 1 || pages > entry.Pages)
        {
            throw new ArgumentException($"--pages must be 1..{entry.Pages} for {entry.Name}");
        }

        byte[] image = entry.ReadAllPages();
        int size = entry.PageSize;
        long stride = entry.Pages / pages;
        using var files = new EntryFiles(outStem);
        using (var file = File.Create(files.Pages))
        using (var zst = new CompressionStream(file, 19, 0, leaveOpen: false))
        {
            for (long i = 0; i < pages; i++)
            {
                zst.Write(image, (int)(i * stride * size), size);
            }
        }

        var meta = entry.Meta with
        {
            Name = Path.GetFileName(outStem),
            Pages = pages,
            Trace = null,
            Description = $"every {stride}th page ({pages} pages) of '{entry.Name}': {entry.Meta.Description}",
            CapturedWith = $"mecom corpus sample --from {entry.Name} --pages {pages}; source: {entry.Meta.CapturedWith}",
        };
        files.Commit(meta);
        Console.WriteLine($"wrote {outStem}.pages.zst ({new FileInfo(outStem + ".pages.zst").Length / 1024} KiB) and {outStem}.meta.json");
        return 0;
    }
}
