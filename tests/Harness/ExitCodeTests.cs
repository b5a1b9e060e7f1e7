using System.Text.Json.Nodes;
using Mecom.Tests.Support;

namespace Mecom.Tests.Harness;

/// <summary>The README's exit-code table, row by row: what CI reads from each outcome.</summary>
[Collection("console")]
public sealed class ExitCodeTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("mecom-exit-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private static (int Code, string Error) Run(params string[] args) => CliTests.Run(args);

    [Fact]
    public void The_gate_exits_0_when_nothing_changed_and_1_when_a_size_regressed()
    {
        string tiny = Path.Combine(folder, "tiny");
        string baseline = Path.Combine(folder, "base.json");
        Assert.Equal(0, Run("corpus", "sample", "--from", Path.Combine(Corpora.ShippedFolder, "python-sqlite"), "--pages", "64", "--out", tiny).Code);
        Assert.Equal(0, Run("baseline", "save", "--out", baseline, "--corpus", tiny, "--codecs", "lz4", "--passes", "3", "--no-migration").Code);
        Assert.Equal(0, Run("gate", "--baseline", baseline, "--current", baseline).Code);

        // The same measurement with lz4's output 15% larger: a size regression, compared exactly.
        var worse = JsonNode.Parse(File.ReadAllText(baseline))!;
        JsonNode lz4 = worse["codecs"]!["results"]!.AsArray().Single(r => (string?)r!["codec"] == "lz4")!;
        lz4["bytesOut"] = (long)lz4["bytesOut"]! * 115 / 100;
        string current = Path.Combine(folder, "current.json");
        File.WriteAllText(current, worse.ToJsonString());
        Assert.Equal(1, Run("gate", "--baseline", baseline, "--current", current).Code);
    }

    [Fact]
    public void A_migration_that_fails_exits_1_in_one_line()
    {
        // Port 1 on loopback: nothing listens, so the source fails at once.
        (int code, string error) = Run("migrate", "source", "--to", "127.0.0.1:1", "--corpus", Path.Combine(Corpora.ShippedFolder, "python-sqlite"));
        Assert.Equal(1, code);
        Assert.StartsWith("mecom: migration failed: ", error);
        Assert.Single(error.Trim().Split('\n'));
    }
}
