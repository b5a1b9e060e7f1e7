using System.Buffers.Binary;
using ZstdSharp;

namespace Mecom.Harness.Corpus;

/// <summary>One epoch of a trace: the pages that changed since the previous epoch, with their new contents.</summary>
/// <param name="Number">1-based epoch number, as error messages and users count.</param>
/// <param name="TimeMs">Milliseconds since the image was taken.</param>
/// <param name="Indices">Page indices, strictly ascending.</param>
/// <param name="Contents">The new contents, <c>Indices.Length * pageSize</c> bytes, in the same order.</param>
public sealed record TraceEpoch(int Number, long TimeMs, uint[] Indices, byte[] Contents)
{
    public ReadOnlySpan<byte> Page(int i, int pageSize) => Contents.AsSpan(i * pageSize, pageSize);
}

/// <summary>
/// Streams <c>NAME.trace[.zst]</c> (corpora/FORMAT.md) one epoch at a time, checking every rule of the
/// format; a violation is a <see cref="CorpusFormatException"/> naming the file, the epoch and the byte
/// offset (in the uncompressed trace). Memory is one epoch at a time, bounded by the image's page count.
/// </summary>
public sealed class TraceReader : IDisposable
{
    public const uint Magic = 0x4352544D; // "MTRC" little-endian
    public const uint Version = 1;
    private const int HeaderBytes = 24;

    private readonly Stream stream;
    private readonly string path;
    private long offset;
    private int epochsRead;
    private long lastTime = -1;

    public TraceReader(string path, int expectedPageSize, long expectedPages)
        : this(OpenFile(path), path, expectedPageSize, expectedPages)
    {
    }

    /// <summary>Reads a trace from any stream (uncompressed); <paramref name="name"/> is what errors call it.</summary>
    public TraceReader(Stream source, string name, int expectedPageSize, long expectedPages)
    {
        path = name;
        stream = source;
        try
        {
            ReadHeader(expectedPageSize, expectedPages);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private static Stream OpenFile(string path)
    {
        Stream file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
        return path.EndsWith(".zst", StringComparison.Ordinal) ? new DecompressionStream(file, 1 << 20, checkEndOfStream: true, leaveOpen: false) : file;
    }

    private void ReadHeader(int expectedPageSize, long expectedPages)
    {
        Span<byte> header = stackalloc byte[HeaderBytes];
        ReadExactly(header, "the header");
        if (BinaryPrimitives.ReadUInt32LittleEndian(header) != Magic)
        {
            throw Error(0, "bad magic: not an MTRC trace");
        }

        uint version = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
        if (version != Version)
        {
            throw Error(4, $"version {version} is not supported (this reader knows version {Version})");
        }

        PageSize = (int)BinaryPrimitives.ReadUInt32LittleEndian(header[8..]);
        if (PageSize != expectedPageSize)
        {
            throw Error(8, $"page size {PageSize} differs from the image's {expectedPageSize}");
        }

        Pages = (long)BinaryPrimitives.ReadUInt64LittleEndian(header[12..]);
        if (Pages != expectedPages)
        {
            throw Error(12, $"page count {Pages} differs from the image's {expectedPages}");
        }

        Epochs = (int)BinaryPrimitives.ReadUInt32LittleEndian(header[20..]);
        if (Epochs < 0)
        {
            throw Error(20, $"epoch count {(uint)Epochs} is not plausible");
        }
    }

    public int PageSize { get; private set; }

    public long Pages { get; private set; }

    public int Epochs { get; private set; }

    /// <summary>Reads all epochs of the trace of <paramref name="entry"/>.</summary>
    public static IEnumerable<TraceEpoch> ReadAll(CorpusEntry entry)
    {
        string file = entry.TracePath ?? throw new FileNotFoundException($"{entry.Stem}: the entry has no trace");
        using var reader = new TraceReader(file, entry.PageSize, entry.Pages);
        while (reader.TryRead(out TraceEpoch? epoch))
        {
            yield return epoch;
        }
    }

    /// <summary>The next epoch, or false after the last one (and a check that nothing follows it).</summary>
    public bool TryRead([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out TraceEpoch? epoch)
    {
        epoch = null;
        if (epochsRead == Epochs)
        {
            if (stream.ReadByte() >= 0)
            {
                throw Error(offset, $"data after the last of {Epochs} epochs");
            }

            return false;
        }

        int number = epochsRead + 1;
        long start = offset;
        Span<byte> head = stackalloc byte[12];
        ReadExactly(head, $"epoch {number}'s header");
        long time = (long)BinaryPrimitives.ReadUInt64LittleEndian(head);
        if (time <= lastTime)
        {
            throw Error(start, $"epoch {number}: time {time} ms is not after the previous epoch's {lastTime} ms");
        }

        uint count = BinaryPrimitives.ReadUInt32LittleEndian(head[8..]);
        if (count > Pages)
        {
            throw Error(start + 8, $"epoch {number}: {count} changed pages, but the image has only {Pages}");
        }

        // Sizes come from a header checked against the image, never from the raw field alone.
        byte[] indexBytes = new byte[checked((int)count * 4)];
        ReadExactly(indexBytes, $"epoch {number}'s indices");
        uint[] indices = new uint[count];
        long previous = -1;
        for (int i = 0; i < count; i++)
        {
            uint index = BinaryPrimitives.ReadUInt32LittleEndian(indexBytes.AsSpan(4 * i));
            if (index >= Pages)
            {
                throw Error(start + 12 + 4L * i, $"epoch {number}: page index {index} is beyond the image's {Pages} pages");
            }

            if (index <= previous)
            {
                throw Error(start + 12 + 4L * i, $"epoch {number}: page indices are not strictly ascending ({previous} then {index})");
            }

            indices[i] = index;
            previous = index;
        }

        byte[] contents = GC.AllocateUninitializedArray<byte>(checked((int)count * PageSize));
        ReadExactly(contents, $"epoch {number}'s page contents");
        lastTime = time;
        epochsRead++;
        epoch = new TraceEpoch(number, time, indices, contents);
        return true;
    }

    public void Dispose() => stream.Dispose();

    private void ReadExactly(Span<byte> buffer, string what)
    {
        int total = 0;
        try
        {
            int read;
            while (total < buffer.Length && (read = stream.Read(buffer[total..])) > 0)
            {
                total += read;
            }
        }
        catch (Exception e) when (e is ZstdException or EndOfStreamException)
        {
            throw Error(offset + total, $"zstd stream is corrupt in {what}: {e.Message}");
        }

        if (total < buffer.Length)
        {
            throw Error(offset + total, $"truncated: the file ends inside {what} ({total} of {buffer.Length} bytes)");
        }

        offset += total;
    }

    private CorpusFormatException Error(long at, string problem) => new(path, at, problem);
}

/// <summary>Writes a trace, epoch by epoch; the epoch count is given up front, as the header needs it.</summary>
public sealed class TraceWriter : IDisposable
{
    private readonly Stream stream;
    private readonly int pageSize;
    private readonly int epochs;
    private int written;
    private bool abandoned;

    /// <param name="zstd">Compress; by default when <paramref name="path"/> ends in <c>.zst</c> (a temporary name may not).</param>
    public TraceWriter(string path, int pageSize, long pages, int epochs, bool? zstd = null)
    {
        this.pageSize = pageSize;
        this.epochs = epochs;
        Stream file = File.Create(path);
        stream = zstd ?? path.EndsWith(".zst", StringComparison.Ordinal) ? new CompressionStream(file, 9, 0, leaveOpen: false) : file;
        Span<byte> header = stackalloc byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(header, TraceReader.Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], TraceReader.Version);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], (uint)pageSize);
        BinaryPrimitives.WriteUInt64LittleEndian(header[12..], (ulong)pages);
        BinaryPrimitives.WriteUInt32LittleEndian(header[20..], (uint)epochs);
        stream.Write(header);
    }

    public void Write(long timeMs, IReadOnlyList<uint> indices, ReadOnlySpan<byte> contents)
    {
        if (written == epochs)
        {
            throw new InvalidOperationException($"the header promised {epochs} epochs");
        }

        if (contents.Length != indices.Count * pageSize)
        {
            throw new ArgumentException("contents must be one page per index");
        }

        Span<byte> head = stackalloc byte[12];
        BinaryPrimitives.WriteUInt64LittleEndian(head, (ulong)timeMs);
        BinaryPrimitives.WriteUInt32LittleEndian(head[8..], (uint)indices.Count);
        stream.Write(head);
        Span<byte> index = stackalloc byte[4];
        foreach (uint i in indices)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(index, i);
            stream.Write(index);
        }

        stream.Write(contents);
        written++;
    }

    /// <summary>The trace will not be completed (its writer was interrupted): closing it is not an error.</summary>
    public void Abandon() => abandoned = true;

    public void Dispose()
    {
        stream.Dispose();
        if (written != epochs && !abandoned)
        {
            throw new InvalidOperationException($"trace closed after {written} of {epochs} epochs");
        }
    }
}
