using Mecom.Harness.Corpus;

namespace Mecom.Harness.Cli;

/// <summary>Finds the shipped corpus when the user names none.</summary>
public static class CorpusLocator
{
    public static string Default()
    {
        if (Directory.Exists("corpora") && File.Exists(Path.Combine("corpora", "FORMAT.md")))
        {
            return Path.GetFullPath("corpora");
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "corpora");
            if (File.Exists(Path.Combine(dir.FullName, "Benchmarks.sln")) && Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("no corpus named and the shipped corpora/ folder was not found; pass --corpus PATH");
    }

    /// <summary>Default guests: the shipped VM entry, or every entry at <c>--corpus</c>.</summary>
    internal static IReadOnlyList<CorpusEntry> Entries(string? corpus)
    {
        if (corpus is not null)
        {
            return CorpusEntry.Discover(corpus);
        }

        string folder = CorpusLocator.Default();
        return CorpusEntry.Discover(Path.Combine(folder, "vm-kvstore"));
    }
}
