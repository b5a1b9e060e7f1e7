using ZstdSharp;

namespace Mecom.Codecs.General;

/// <summary>ZstdSharp, the managed zstd port. One compression and one decompression context per instance.</summary>
public sealed class ZstdCodec : IPageCodec, IDisposable
{
    private readonly Compressor compressor;
    private readonly Decompressor decompressor;

    public ZstdCodec(int level = 1)
        : this(level, [])
    {
    }

    /// <summary>
    /// zstd with a dictionary (trained on a sample of the guest's own pages, <see cref="TrainDictionary"/>)
    /// that both sides load once: small pages then find history to match against.
    /// </summary>
    public ZstdCodec(int level, ReadOnlySpan<byte> dictionary)
        : this(level, dictionary, null)
    {
    }

    /// <summary>
    /// With <paramref name="dictionaryId"/> (<see cref="RawDictionary.Register"/>), the name is
    /// <c>zstd-dict:L@id</c>: a frame's codec name then says which dictionary its pages need.
    /// </summary>
    public ZstdCodec(int level, ReadOnlySpan<byte> dictionary, string? dictionaryId)
    {
        if (!IsLevel(level))
        {
            throw new ArgumentOutOfRangeException(nameof(level), level, $"zstd levels are {Levels}");
        }

        compressor = new Compressor(level);
        decompressor = new Decompressor();
        Name = $"zstd:{level}";
        if (!dictionary.IsEmpty)
        {
            compressor.LoadDictionary(dictionary);
            decompressor.LoadDictionary(dictionary);
            Name = dictionaryId is null ? $"zstd-dict:{level}" : $"zstd-dict:{level}@{dictionaryId}";
        }
    }

    /// <summary>The levels zstd takes, for messages.</summary>
    public static string Levels => $"{Compressor.MinCompressionLevel}..-1 and 1..{Compressor.MaxCompressionLevel}";

    public static bool IsLevel(int level) => level != 0 && level >= Compressor.MinCompressionLevel && level <= Compressor.MaxCompressionLevel;

    /// <summary>Trains a zstd dictionary of at most <paramref name="capacity"/> bytes on sample pages.</summary>
    public static byte[] TrainDictionary(IEnumerable<byte[]> samples, int capacity = 112 * 1024) =>
        DictBuilder.TrainFromBuffer(samples, capacity);

    public string Name { get; }

    public int Compress(ReadOnlySpan<byte> page, Span<byte> destination)
    {
        int limit = Math.Min(destination.Length, page.Length - 1);
        return compressor.TryWrap(page, destination[..limit], out int written) && written > 0
            ? written
            : PageCodec.DidNotFit;
    }

    public void Decompress(ReadOnlySpan<byte> source, Span<byte> page)
    {
        int written;
        try
        {
            if (!decompressor.TryUnwrap(source, page, out written))
            {
                throw new CorruptPageException(Name, "the frame decodes to more than a page");
            }
        }
        catch (ZstdException e)
        {
            throw new CorruptPageException(Name, e.Message, e);
        }

        if (written != page.Length)
        {
            throw new CorruptPageException(Name, $"decoded {written} bytes, expected {page.Length}");
        }
    }

    public void Dispose()
    {
        compressor.Dispose();
        decompressor.Dispose();
    }
}
