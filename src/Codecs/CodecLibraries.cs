using System.Reflection;
using Mecom.Codecs.Native;

namespace Mecom.Codecs;

/// <summary>
/// The library behind each codec, with the version this process loaded: a result is only comparable with
/// another made by the same code, and K4os, ZstdSharp and the C libraries change speed between releases.
/// </summary>
public static class CodecLibraries
{
    public static string K4os => Managed("K4os.Compression.LZ4", typeof(K4os.Compression.LZ4.LZ4Codec));

    public static string ZstdSharp => Managed("ZstdSharp.Port", typeof(global::ZstdSharp.Compressor));

    public static string Bcl => $"System.IO.Compression (.NET {Environment.Version})";

    public static string Mecom => Managed("Mecom.Codecs", typeof(CodecLibraries));

    public static string NativeLz4 => Native("liblz4", NativeLibraries.Lz4, "LZ4_versionString");

    public static string NativeZstd => Native("libzstd", NativeLibraries.Zstd, "ZSTD_versionString");

    public static string NativeLzo => Native("liblzo2", NativeLibraries.Lzo, "lzo_version_string");

    /// <summary>Every library a codec here may use, for the envelope of result files.</summary>
    public static IReadOnlyList<string> All => [Mecom, K4os, ZstdSharp, Bcl, NativeLz4, NativeZstd, NativeLzo];

    private static string Managed(string name, Type inside)
    {
        Assembly assembly = inside.Assembly;
        string? version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        version ??= assembly.GetName().Version?.ToString();

        // A source-link build appends "+commit": the release is what a reader compares.
        return $"{name} {version?.Split('+')[0] ?? "unknown"}";
    }

    private static string Native(string name, NativeLibraries.Loaded library, string versionExport) =>
        library.IsAvailable ? $"{name} {library.Version(versionExport)} ({library.Name})" : $"{name} (not loaded)";
}
