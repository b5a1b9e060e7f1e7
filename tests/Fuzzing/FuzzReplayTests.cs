using CsCheck;
using Mecom.Fuzz;

namespace Mecom.Tests.Fuzzing;

/// <summary>
/// The fuzz targets in the suite: every decoder gets its real seeds, every input kept in fuzz/corpus
/// (regressions found by long runs), and a short run of CsCheck-generated mutations. The long runs
/// (10 million inputs per decoder, or afl-fuzz) are in docs/design/testing.md.
/// </summary>
public class FuzzReplayTests
{
    public static TheoryData<string> Names => new(Targets.All().Select(t => t.Name));

    [Theory]
    [MemberData(nameof(Names))]
    public void Seeds_and_kept_inputs_decode_or_are_refused_with_the_documented_error(string name)
    {
        Target target = Targets.Find(name);
        Assert.NotEmpty(target.Seeds);
        foreach (byte[] seed in target.Seeds)
        {
            target.Run(seed);
        }

        string kept = Path.Combine(Path.GetDirectoryName(Targets.CorporaFolder())!, "fuzz", "corpus", name.Replace(':', '-'));
        if (Directory.Exists(kept))
        {
            foreach (string file in Directory.EnumerateFiles(kept))
            {
                target.Run(File.ReadAllBytes(file));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void A_short_mutation_run_finds_nothing(string name)
    {
        Target target = Targets.Find(name);
        IReadOnlyList<byte[]> seeds = target.Seeds;
        Gen.Select(Gen.Int[0, seeds.Count - 1], Gen.Int[0, seeds.Count - 1], Edit.Generator)
            .Sample(t => target.Run(Edit.Apply(seeds[t.Item1], seeds[t.Item2], t.Item3)), iter: name == "wire" ? 300 : 3000, seed: "0N0XIzNsQ0O2");
    }
}
