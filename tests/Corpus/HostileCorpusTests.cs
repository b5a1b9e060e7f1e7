using System.Text.Json;
using Mecom.Harness.Cli;
using Mecom.Harness.Corpus;
using Mecom.Harness.Reporting;
using ZstdSharp;

namespace Mecom.Tests.Corpus;

/// <summary>Corpus files are input from outside: a lying metadata file, a link to a device, a hostile name.</summary>
/// <remarks>In the console collection: corpus stats draws a progress display, one at a time per process.</remarks>
[Collection("console")]
public sealed class HostileCorpusTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("mecom-hostile-corpus-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private string Meta(string stem, string name, long pages)
    {
        string path = Path.Combine(folder, stem);
        File.WriteAllText(path + ".meta.json", JsonSerializer.Serialize(new CorpusMeta { Name = name, Pages = pages }, CorpusMeta.Json));
        return path;
    }

    [Fact]
    public void Stats_stop_at_the_claimed_page_count_of_a_zst_that_expands_far_beyond_it()
    {
        string stem = Meta("bomb", "bomb", pages: 1);
        using (var zst = new CompressionStream(File.Create(stem + ".pages.zst"), 3, 0, leaveOpen: false))
        {
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 64; i++)
            {
                zst.Write(zeros);
            }
        }

        var e = Assert.Throws<CorpusFormatException>(() => CorpusStats.Compute(CorpusEntry.Open(stem)));
        Assert.Contains("longer than the 1 pages the metadata says", e.Message);
    }

    [Fact]
    public void An_image_linked_to_a_device_is_refused_before_it_is_read()
    {
        string stem = Meta("device", "device", pages: 1000);
        File.CreateSymbolicLink(stem + ".pages", "/dev/zero");
        var e = Assert.Throws<CorpusFormatException>(() => CorpusStats.Compute(CorpusEntry.Open(stem)));
        Assert.Contains("the image ends after 0 bytes, but the metadata says 1000 pages", e.Message);
        Assert.Throws<CorpusFormatException>(() => CorpusEntry.Open(stem).ReadAllPages());
    }

    [Fact]
    public void A_plot_is_named_from_a_sanitised_entry_name_inside_its_folder()
    {
        string stem = Meta("evil", "../../escaped", pages: 2);
        File.WriteAllBytes(stem + ".pages", new byte[2 * 4096]);
        string plots = Path.Combine(folder, "a", "plots");
        StatsCommand.Execute(stem, null, plots);
        Assert.Equal(["corpus-______escaped.png"], Directory.GetFiles(plots).Select(Path.GetFileName));
        Assert.Empty(Directory.GetFiles(Path.Combine(folder, "a")));
        Assert.False(File.Exists(Path.Combine(folder, "escaped.png")));
    }

    [Fact]
    public void A_failed_save_leaves_the_previous_file_and_no_temporary_one()
    {
        string path = Path.Combine(folder, "baseline.json");
        File.WriteAllText(path, "previous");
        Assert.Throws<IOException>(() => AtomicFile.Write(path, temp =>
        {
            File.WriteAllText(temp, "half a fi");
            throw new IOException("disk full");
        }));
        Assert.Equal("previous", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(folder));

        AtomicFile.WriteAllText(path, "next");
        Assert.Equal("next", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(folder));
    }
}
