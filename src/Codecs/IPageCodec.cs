namespace Mecom.Codecs;

/// <summary>
/// A codec that compresses one memory page at a time, as migration sends them.
/// </summary>
/// <remarks>
/// Instances may hold reusable state (contexts, scratch buffers) and are not thread-safe:
/// give each worker thread its own instance (see <see cref="CodecRegistry.Create(CodecSpec)"/>).
/// Neither method allocates managed memory per page.
/// </remarks>
public interface IPageCodec
{
    /// <summary>The name users type, with its level: <c>lz4</c>, <c>zstd:3</c>, <c>wkdm</c>.</summary>
    string Name { get; }

    /// <summary>
    /// Compresses <paramref name="page"/> into <paramref name="destination"/>.
    /// </summary>
    /// <returns>
    /// The number of bytes written, or <see cref="PageCodec.DidNotFit"/> when the output would not be
    /// smaller than the page (or not fit <paramref name="destination"/>): the caller then sends the page raw.
    /// </returns>
    int Compress(ReadOnlySpan<byte> page, Span<byte> destination);

    /// <summary>
    /// Restores a page of exactly <c>page.Length</c> bytes from <paramref name="source"/>, which must be one
    /// whole output of <see cref="Compress"/>.
    /// </summary>
    /// <exception cref="CorruptPageException">
    /// The input is truncated, malformed or decodes to a different length. Nothing is written outside
    /// <paramref name="page"/>; its contents are then unspecified.
    /// </exception>
    void Decompress(ReadOnlySpan<byte> source, Span<byte> page);
}

/// <summary>
/// A codec whose outputs fall into classes told apart by the output alone (as mecom's tag tells a zero page
/// from one sent by its general codec): framing counts pages per class without knowing the codec, and the
/// harness, which knows what the classes mean, names them.
/// </summary>
public interface IRecordClasses
{
    /// <summary>How many classes there are: <see cref="RecordClass"/> returns 0 to one less than this.</summary>
    int RecordClassCount { get; }

    /// <summary>The class of <paramref name="record"/>, one whole output of <see cref="IPageCodec.Compress"/>.</summary>
    int RecordClass(ReadOnlySpan<byte> record);
}

/// <summary>Constants and checks shared by every page codec.</summary>
public static class PageCodec
{
    /// <summary>Returned by <see cref="IPageCodec.Compress"/> when the page did not shrink.</summary>
    public const int DidNotFit = -1;

    /// <summary>The x86-64 page size, and the default everywhere.</summary>
    public const int DefaultPageSize = 4096;

    /// <summary>The Arm64 16 KiB page size, also supported.</summary>
    public const int LargePageSize = 16384;

    /// <summary>Largest page any codec accepts; bounds scratch buffers.</summary>
    public const int MaxPageSize = 65536;

    /// <summary>
    /// Page sizes must be a power of two from 1 KiB to 64 KiB: the word-pattern layouts pack tags in groups of 256 words
    /// and the word-pattern headers use 16-bit word offsets.
    /// </summary>
    public static void ValidatePageSize(int pageSize)
    {
        if (pageSize < 1024 || pageSize > MaxPageSize || (pageSize & (pageSize - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(pageSize), pageSize,
                "page size must be a power of two between 1024 and 65536 bytes (4096 or 16384 for real pages)");
        }
    }
}

/// <summary>
/// Thrown by every decoder for input it cannot turn into exactly one page: the message says which codec
/// and what was wrong.
/// </summary>
public sealed class CorruptPageException : Exception
{
    public CorruptPageException(string codec, string problem)
        : base($"{codec}: corrupt compressed page: {problem}")
    {
        Codec = codec;
    }

    public CorruptPageException(string codec, string problem, Exception inner)
        : base($"{codec}: corrupt compressed page: {problem}", inner)
    {
        Codec = codec;
    }

    /// <summary>The codec that rejected the input.</summary>
    public string Codec { get; }
}
