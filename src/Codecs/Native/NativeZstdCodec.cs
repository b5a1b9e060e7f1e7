using System.Runtime.InteropServices;

namespace Mecom.Codecs.Native;

/// <summary>The C libzstd (ZSTD_compressCCtx / ZSTD_decompressDCtx) with one context each per instance.</summary>
public sealed unsafe class NativeZstdCodec : IPageCodec, IDisposable
{
    private readonly delegate* unmanaged<void*, byte*, nuint, byte*, nuint, int, nuint> compressCCtx;
    private readonly delegate* unmanaged<void*, byte*, nuint, byte*, nuint, nuint> decompressDCtx;
    private readonly delegate* unmanaged<nuint, uint> isError;
    private readonly delegate* unmanaged<nuint, byte*> errorName;
    private readonly delegate* unmanaged<void*, nuint> freeCCtx;
    private readonly delegate* unmanaged<void*, nuint> freeDCtx;
    private readonly int level;
    private void* cctx;
    private void* dctx;

    public NativeZstdCodec(int level = 1)
    {
        var lib = NativeLibraries.Zstd;
        if (!lib.IsAvailable)
        {
            throw new PlatformNotSupportedException(lib.Problem);
        }

        if (level < -7 || level > 22 || level == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(level), level, "zstd levels are -7..-1 and 1..22");
        }

        this.level = level;
        Name = $"native-zstd:{level}";
        compressCCtx = (delegate* unmanaged<void*, byte*, nuint, byte*, nuint, int, nuint>)lib.Export("ZSTD_compressCCtx");
        decompressDCtx = (delegate* unmanaged<void*, byte*, nuint, byte*, nuint, nuint>)lib.Export("ZSTD_decompressDCtx");
        isError = (delegate* unmanaged<nuint, uint>)lib.Export("ZSTD_isError");
        errorName = (delegate* unmanaged<nuint, byte*>)lib.Export("ZSTD_getErrorName");
        freeCCtx = (delegate* unmanaged<void*, nuint>)lib.Export("ZSTD_freeCCtx");
        freeDCtx = (delegate* unmanaged<void*, nuint>)lib.Export("ZSTD_freeDCtx");
        cctx = ((delegate* unmanaged<void*>)lib.Export("ZSTD_createCCtx"))();
        dctx = ((delegate* unmanaged<void*>)lib.Export("ZSTD_createDCtx"))();
        if (cctx == null || dctx == null)
        {
            throw new OutOfMemoryException("libzstd could not create its contexts");
        }
    }

    ~NativeZstdCodec() => Free();

    public static string? Unavailable => NativeLibraries.Zstd.Problem;

    public string Name { get; }

    public int Compress(ReadOnlySpan<byte> page, Span<byte> destination)
    {
        int limit = Math.Min(destination.Length, page.Length - 1);
        fixed (byte* src = page)
        fixed (byte* dst = destination)
        {
            nuint written = compressCCtx(cctx, dst, (nuint)limit, src, (nuint)page.Length, level);
            return isError(written) != 0 || written == 0 ? PageCodec.DidNotFit : (int)written;
        }
    }

    public void Decompress(ReadOnlySpan<byte> source, Span<byte> page)
    {
        nuint written;
        fixed (byte* src = source)
        fixed (byte* dst = page)
        {
            written = decompressDCtx(dctx, dst, (nuint)page.Length, src, (nuint)source.Length);
        }

        if (isError(written) != 0)
        {
            throw new CorruptPageException(Name, Marshal.PtrToStringUTF8((IntPtr)errorName(written)) ?? "libzstd error");
        }

        if (written != (nuint)page.Length)
        {
            throw new CorruptPageException(Name, $"decoded {written} bytes, expected {page.Length}");
        }
    }

    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    private void Free()
    {
        if (cctx != null)
        {
            freeCCtx(cctx);
            cctx = null;
        }

        if (dctx != null)
        {
            freeDCtx(dctx);
            dctx = null;
        }
    }
}
