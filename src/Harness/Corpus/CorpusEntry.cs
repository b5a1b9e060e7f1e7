using ZstdSharp;

namespace Mecom.Harness.Corpus;

/// <summary>
/// One corpus entry: the files sharing a stem (<c>NAME.pages[.zst]</c>, <c>NAME.meta.json</c>,
/// <c>NAME.trace[.zst]</c>), found from a stem, a file of the entry, or a folder of entries.
/// </summary>
public sealed class CorpusEntry
{
    private CorpusEntry(string stem, string pagesPath, CorpusMeta meta)
    {
        Stem = stem;
        PagesPath = pagesPath;
        Meta = meta;
    }

    public string Stem { get; }

    public string Name => Meta.Name.Length > 0 ? Meta.Name : Path.GetFileName(Stem);

    public string PagesPath { get; }

    public CorpusMeta Meta { get; }

    public int PageSize => Meta.PageSize;

    /// <summary>The trace file (<c>NAME.trace</c> or <c>NAME.trace.zst</c>), or null when the entry has none.</summary>
    public string? TracePath
    {
        get
        {
            string folder = Path.GetDirectoryName(Stem) ?? ".";
            string named = Meta.Trace is { File.Length: > 0 } t ? Path.Combine(folder, t.File) : Stem + ".trace";
            foreach (string candidate in new[] { named, named + ".zst", Stem + ".trace", Stem + ".trace.zst" })
            {
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }

            return null;
        }
    }

    public long Pages => Meta.Pages;

    /// <summary>Every entry at <paramref name="path"/>: a folder (all its entries, by name) or one entry.</summary>
    public static IReadOnlyList<CorpusEntry> Discover(string path)
    {
        if (Directory.Exists(path))
        {
            var stems = Directory.EnumerateFiles(path)
                .Select(StemOf)
                .Where(s => s is not null && PagesFile(s) is not null)
                .Distinct()
                .Order(StringComparer.Ordinal)
                .ToList();
            if (stems.Count == 0)
            {
                throw new FileNotFoundException($"{path}: no corpus entries (NAME.pages or NAME.pages.zst) in this folder");
            }

            return stems.Select(s => Open(s!)).ToArray();
        }

        string stem = StemOf(path) ?? path;
        return [Open(stem)];
    }

    /// <summary>Opens the entry with this stem (path without extensions).</summary>
    public static CorpusEntry Open(string stem)
    {
        string pages = PagesFile(stem)
            ?? throw new FileNotFoundException($"{stem}: no corpus image ({stem}.pages or {stem}.pages.zst)");
        string metaPath = stem + ".meta.json";
        CorpusMeta meta;
        if (File.Exists(metaPath))
        {
            meta = CorpusMeta.Read(metaPath);
        }
        else if (!pages.EndsWith(".zst", StringComparison.Ordinal))
        {
            // Without metadata a raw image is taken as 4 KiB pages, if it divides.
            long length = new FileInfo(pages).Length;
            meta = new CorpusMeta { Name = Path.GetFileName(stem), PageSize = 4096, Pages = length / 4096 };
        }
        else
        {
            throw new FileNotFoundException($"{metaPath}: missing; a compressed image needs its metadata to know its size");
        }

        return new CorpusEntry(stem, pages, meta);
    }

    /// <summary>
    /// Streams the image, decompressing <c>.zst</c> on the fly. A pipe or device (a <c>.pages</c> linked
    /// to <c>/dev/zero</c>) would stream forever, so only a seekable file is read, and a raw image only when
    /// its length is what the metadata says.
    /// </summary>
    public Stream OpenImage()
    {
        var file = new FileStream(PagesPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
        bool zst = PagesPath.EndsWith(".zst", StringComparison.Ordinal);
        long expected = Pages * PageSize;
        CorpusFormatException? wrong = !file.CanSeek ? new CorpusFormatException(PagesPath, 0, "not a regular file (a pipe or a device); a corpus image must be a file")
            : !zst && file.Length != expected ? LengthMismatch(PagesPath, file.Length, Pages, PageSize)
            : null;
        if (wrong is not null)
        {
            file.Dispose();
            throw wrong;
        }

        return PagesPath.EndsWith(".zst", StringComparison.Ordinal) ? new DecompressionStream(file, 1 << 20, checkEndOfStream: true, leaveOpen: false) : file;
    }

    /// <summary>
    /// Reads the whole image into memory as one array, checking that its length is exactly
    /// pages x pageSize. For images up to 2 GiB (the array limit).
    /// </summary>
    public byte[] ReadAllPages()
    {
        using Stream image = OpenImage();
        return ReadImage(image, PagesPath, Pages, PageSize);
    }

    /// <summary>
    /// Reads exactly <paramref name="pages"/> pages from an image stream (raw bytes, or a zstd stream if
    /// <paramref name="path"/> ends in .zst, already decoded by the caller). The array grows with what
    /// actually arrives, so metadata claiming 2 GiB over a tiny file costs a small buffer, not 2 GiB.
    /// </summary>
    public static byte[] ReadImage(Stream image, string path, long pages, int pageSize)
    {
        long expected = pages * pageSize;
        if (expected > Array.MaxLength)
        {
            throw new CorpusFormatException(path, 0, $"{expected} bytes is too large to hold in one array; stream it instead");
        }

        if (image.CanSeek && image.Length != expected)
        {
            throw LengthMismatch(path, image.Length, pages, pageSize);
        }

        byte[] data = GC.AllocateUninitializedArray<byte>((int)Math.Min(expected, image.CanSeek ? expected : 16 << 20));
        int total = 0;
        try
        {
            int read;
            while (total < expected)
            {
                if (total == data.Length)
                {
                    byte[] larger = GC.AllocateUninitializedArray<byte>((int)Math.Min(expected, 2L * data.Length));
                    data.AsSpan().CopyTo(larger);
                    data = larger;
                }

                if ((read = image.Read(data, total, data.Length - total)) <= 0)
                {
                    break;
                }

                total += read;
            }

            if (total < expected)
            {
                throw new CorpusFormatException(path, total,
                    $"the image ends after {total} bytes, but the metadata says {pages} pages of {pageSize} ({expected} bytes)");
            }

            if (image.ReadByte() >= 0)
            {
                throw new CorpusFormatException(path, total,
                    $"the image is longer than the {pages} pages of {pageSize} bytes the metadata says");
            }
        }
        catch (Exception e) when (e is ZstdException or EndOfStreamException)
        {
            throw new CorpusFormatException(path, total, $"zstd stream is corrupt: {e.Message}");
        }

        return data;
    }

    private static CorpusFormatException LengthMismatch(string path, long length, long pages, int pageSize)
    {
        long expected = pages * pageSize;
        return new CorpusFormatException(path, Math.Min(length, expected), length < expected
            ? $"the image ends after {length} bytes, but the metadata says {pages} pages of {pageSize} ({expected} bytes)"
            : $"the image is longer than the {pages} pages of {pageSize} bytes the metadata says");
    }

    private static string? PagesFile(string stem) =>
        File.Exists(stem + ".pages") ? stem + ".pages" :
        File.Exists(stem + ".pages.zst") ? stem + ".pages.zst" : null;

    private static string? StemOf(string file)
    {
        foreach (string suffix in new[] { ".pages.zst", ".pages", ".meta.json", ".trace.zst", ".trace" })
        {
            if (file.EndsWith(suffix, StringComparison.Ordinal))
            {
                return file[..^suffix.Length];
            }
        }

        return null;
    }
}
