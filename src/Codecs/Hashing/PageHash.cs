using System.IO.Hashing;

namespace Mecom.Codecs.Hashing;

/// <summary>
/// The per-page verification hash: XXH3 64-bit of the page bytes. Sender hashes the source page, the
/// receiver hashes what it decoded; a mismatch means a wrong page, whatever the codec claimed.
/// </summary>
public static class PageHash
{
    /// <summary>Seed fixed for the format, so hashes from any run or machine compare.</summary>
    public const long Seed = 0x4D45434F4D; // "MECOM"

    public static ulong Of(ReadOnlySpan<byte> page) => XxHash3.HashToUInt64(page, Seed);

    /// <summary>
    /// The hash of a page at a given index: the index seeds the hash, so right contents arriving at the
    /// wrong page (a damaged index) do not verify either.
    /// </summary>
    public static ulong Of(ReadOnlySpan<byte> page, long pageIndex) => XxHash3.HashToUInt64(page, Seed ^ (pageIndex * unchecked((long)0x9E3779B97F4A7C15)));

    /// <summary>Throws <see cref="PageMismatchException"/> naming the page when the hash differs.</summary>
    public static void Verify(ReadOnlySpan<byte> page, ulong expected, long pageIndex)
    {
        ulong actual = Of(page, pageIndex);
        if (actual != expected)
        {
            throw new PageMismatchException(pageIndex, expected, actual);
        }
    }
}

/// <summary>A recovered page whose hash is not the source page's.</summary>
public sealed class PageMismatchException(long pageIndex, ulong expected, ulong actual)
    : Exception($"page {pageIndex}: recovered contents hash to {actual:x16}, the source page to {expected:x16}")
{
    public long PageIndex { get; } = pageIndex;
}
