using Mecom.Harness.Corpus;

namespace Mecom.Tests.Support;

/// <summary>
/// Where the real memory lives: the project's shipped <c>corpora/</c> (always there) and the larger
/// developer set in <c>../shared/corpora</c> beside the checkout (present on development and CI machines).
/// </summary>
public static class Corpora
{
    private static readonly Lazy<string> Root = new(FindRoot);

    public static string RepositoryRoot => Root.Value;

    public static string ShippedFolder => Path.Combine(RepositoryRoot, "corpora");

    /// <summary>The shared corpora folder, or null when this machine has none (MECOM_SHARED_CORPORA overrides).</summary>
    public static string? SharedFolder
    {
        get
        {
            string? overridden = Environment.GetEnvironmentVariable("MECOM_SHARED_CORPORA");
            string path = overridden ?? Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "corpora"));
            return Directory.Exists(path) && Directory.EnumerateFiles(path, "*.pages*").Any() ? path : null;
        }
    }

    public static IReadOnlyList<CorpusEntry> Shipped() => CorpusEntry.Discover(ShippedFolder);

    private static readonly Lazy<byte[]> SmallGuestImage = new(() =>
        Shipped().First(e => e.Name == "python-kvstore").ReadAllPages()[..(2048 * 4096)]);

    /// <summary>A small guest for migrations: the first 2,048 pages (8 MiB) of the shipped CPython entry.</summary>
    public static byte[] SmallGuest => SmallGuestImage.Value;

    public static IReadOnlyList<CorpusEntry> Shared() =>
        SharedFolder is { } folder ? CorpusEntry.Discover(folder) : [];

    /// <summary>Skips (visibly, with the reason) when the developer corpora are not beside the checkout.</summary>
    public static string RequireShared()
    {
        string? folder = SharedFolder;
        if (folder is null)
        {
            Xunit.Assert.Skip(
                $"the shared corpora are not at {Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "corpora"))} "
                + "(set MECOM_SHARED_CORPORA to run this test on them)");
        }

        return folder;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Benchmarks.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException($"no Benchmarks.sln above {AppContext.BaseDirectory}");
    }
}
