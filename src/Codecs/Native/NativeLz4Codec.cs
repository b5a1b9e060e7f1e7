namespace Mecom.Codecs.Native;

/// <summary>The C liblz4 (LZ4_compress_default / LZ4_decompress_safe), to set K4os's port against.</summary>
public sealed unsafe class NativeLz4Codec : IPageCodec
{
    private readonly delegate* unmanaged<byte*, byte*, int, int, int> compress;
    private readonly delegate* unmanaged<byte*, byte*, int, int, int> decompress;

    public NativeLz4Codec()
    {
        var lib = NativeLibraries.Lz4;
        if (!lib.IsAvailable)
        {
            throw new PlatformNotSupportedException(lib.Problem);
        }

        compress = (delegate* unmanaged<byte*, byte*, int, int, int>)lib.Export("LZ4_compress_default");
        decompress = (delegate* unmanaged<byte*, byte*, int, int, int>)lib.Export("LZ4_decompress_safe");
    }

    public static string? Unavailable => NativeLibraries.Lz4.Problem;

    public string Name => "native-lz4";

    public int Compress(ReadOnlySpan<byte> page, Span<byte> destination)
    {
        int limit = Math.Min(destination.Length, page.Length - 1);
        fixed (byte* src = page)
        fixed (byte* dst = destination)
        {
            int written = compress(src, dst, page.Length, limit);
            return written > 0 ? written : PageCodec.DidNotFit;
        }
    }

    public void Decompress(ReadOnlySpan<byte> source, Span<byte> page)
    {
        int written;
        fixed (byte* src = source)
        fixed (byte* dst = page)
        {
            written = decompress(src, dst, source.Length, page.Length);
        }

        if (written != page.Length)
        {
            throw new CorruptPageException(Name, written < 0
                ? "the LZ4 block is malformed or overruns the page"
                : $"decoded {written} bytes, expected {page.Length}");
        }
    }
}
