using System.Runtime.InteropServices;

namespace Mecom.Codecs.Native;

/// <summary>
/// Finds the C libraries behind the <c>native-*</c> codecs. They are optional: when one is missing its
/// codecs are listed as unavailable with the reason, and everything else runs.
/// </summary>
internal static class NativeLibraries
{
    private static readonly Lazy<Loaded> Lz4Lib = new(() => Load("liblz4", ["liblz4.so.1", "liblz4.so", "liblz4.dylib", "lz4"]));
    private static readonly Lazy<Loaded> ZstdLib = new(() => Load("libzstd", ["libzstd.so.1", "libzstd.so", "libzstd.dylib", "zstd"]));
    private static readonly Lazy<Loaded> LzoLib = new(() => Load("liblzo2", ["liblzo2.so.2", "liblzo2.so", "liblzo2.dylib", "lzo2"]));

    public static Loaded Lz4 => Lz4Lib.Value;

    public static Loaded Zstd => ZstdLib.Value;

    public static Loaded Lzo => LzoLib.Value;

    private static Loaded Load(string what, string[] names)
    {
        foreach (string name in names)
        {
            if (NativeLibrary.TryLoad(name, out IntPtr handle))
            {
                return new Loaded(handle, name, null);
            }
        }

        return new Loaded(IntPtr.Zero, what,
            $"{what} not found (tried {string.Join(", ", names)}); on Debian: apt-get install liblz4-1 libzstd1 liblzo2-2");
    }

    internal sealed record Loaded(IntPtr Handle, string Name, string? Problem)
    {
        public bool IsAvailable => Problem is null;

        /// <summary>What the library says of its own version (a <c>const char* (void)</c> export), or why not.</summary>
        public unsafe string Version(string symbol)
        {
            if (!IsAvailable || !NativeLibrary.TryGetExport(Handle, symbol, out IntPtr address))
            {
                return "not loaded";
            }

            return Marshal.PtrToStringAnsi(((delegate* unmanaged<IntPtr>)address)()) ?? "unknown";
        }

        public IntPtr Export(string symbol) =>
            NativeLibrary.TryGetExport(Handle, symbol, out IntPtr address)
                ? address
                : throw new EntryPointNotFoundException($"{Name} has no export {symbol}");
    }
}
