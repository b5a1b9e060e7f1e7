using Mecom.Harness.Cli;
using Mecom.Harness.Corpus;

namespace Mecom.Bench;

/// <summary>Real pages for benchmarks: the shipped corpus, loaded once per process.</summary>
internal static class BenchPages
{
    private static readonly Lazy<byte[]> All = new(() =>
        CorpusEntry.Discover(CorpusLocator.Default()).SelectMany(e => e.ReadAllPages()).ToArray());

    public static byte[] Image => All.Value;

    public static int Count => Image.Length / 4096;
}
