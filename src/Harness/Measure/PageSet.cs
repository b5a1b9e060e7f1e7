using Mecom.Harness.Corpus;

namespace Mecom.Harness.Measure;

/// <summary>Pages held in memory for measuring: one corpus entry's image, cut into pages.</summary>
public sealed class PageSet
{
    public PageSet(string name, byte[] data, int pageSize)
    {
        if (data.Length % pageSize != 0)
        {
            throw new ArgumentException($"{name}: {data.Length} bytes is not a whole number of {pageSize}-byte pages");
        }

        Name = name;
        Data = data;
        PageSize = pageSize;
    }

    public string Name { get; }

    public byte[] Data { get; }

    public int PageSize { get; }

    public int Count => Data.Length / PageSize;

    public long Bytes => Data.LongLength;

    public ReadOnlySpan<byte> Page(int index) => Data.AsSpan(index * PageSize, PageSize);

    /// <summary>Loads an entry, re-cut to <paramref name="pageSize"/> when given (16 KiB pages from a 4 KiB image).</summary>
    public static PageSet Load(CorpusEntry entry, int? pageSize = null)
    {
        byte[] data = entry.ReadAllPages();
        int size = pageSize ?? entry.PageSize;
        if (data.Length % size != 0)
        {
            // Drop the last partial page rather than pad it: padding would invent zero bytes.
            Array.Resize(ref data, data.Length - data.Length % size);
        }

        return new PageSet(entry.Name, data, size);
    }
}
