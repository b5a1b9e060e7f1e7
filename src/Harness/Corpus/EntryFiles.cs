using System.Text.Json;

namespace Mecom.Harness.Corpus;

/// <summary>
/// The files of a corpus entry being written, under temporary names until <see cref="Commit"/>: an
/// interrupted capture leaves nothing behind, and an entry written over an older one never pairs new pages
/// with old metadata. The metadata goes last, and the old metadata first: without it a half-replaced
/// <c>.pages.zst</c> is refused as an entry instead of being read under the wrong description.
/// </summary>
public sealed class EntryFiles : IDisposable
{
    private readonly string stem;
    private readonly string tag = $".{Environment.ProcessId}-{Guid.NewGuid():N}.tmp";
    private bool committed;

    public EntryFiles(string stem)
    {
        this.stem = stem;
        string? folder = Path.GetDirectoryName(Path.GetFullPath(stem));
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
        }
    }

    /// <summary>Where to write the image now.</summary>
    public string Pages => Temporary(".pages.zst");

    /// <summary>Where to write the trace now; an entry committed without one loses any older trace too.</summary>
    public string Trace => Temporary(".trace.zst");

    /// <summary>Moves the files to their names, the metadata last.</summary>
    public void Commit(object meta)
    {
        File.WriteAllText(Temporary(".meta.json"), JsonSerializer.Serialize(meta, CorpusMeta.Json));
        File.Delete(stem + ".meta.json");
        File.Delete(stem + ".pages");
        File.Move(Pages, stem + ".pages.zst", overwrite: true);
        if (File.Exists(Trace))
        {
            File.Move(Trace, stem + ".trace.zst", overwrite: true);
        }
        else
        {
            File.Delete(stem + ".trace.zst");
            File.Delete(stem + ".trace");
        }

        File.Move(Temporary(".meta.json"), stem + ".meta.json", overwrite: true);
        committed = true;
    }

    /// <summary>Without <see cref="Commit"/>, removes what was written.</summary>
    public void Dispose()
    {
        if (!committed)
        {
            foreach (string suffix in new[] { ".pages.zst", ".trace.zst", ".meta.json" })
            {
                File.Delete(Temporary(suffix));
            }
        }
    }

    private string Temporary(string suffix) => stem + suffix + tag;
}
