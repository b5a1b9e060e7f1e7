using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Mecom.Codecs.General;

/// <summary>
/// LZ4 fast tuned for one page at a time, writing the standard LZ4 block format (K4os and liblz4 read it).
/// </summary>
/// <remarks>
/// What a per-page call to a general LZ4 pays and this one does not: K4os clears its 16 KiB hash state on
/// every call. Here the 4096-entry table of 16-bit positions lives as long as the instance; each call
/// offsets the positions it stores by a base that grows by the page length, so whatever an earlier call
/// left is below the base and reads as empty (liblz4's <c>LZ4_compress_fast_extState_fastReset</c> idea),
/// and the table is cleared only when the base runs out of 16 bits: every 16th call for 4 KiB pages.
/// The output does not depend on earlier calls.
/// </remarks>
public sealed unsafe class Lz4PageCodec : IPageCodec
{
    private const int FirstBase = 1;

    private readonly ushort[] table = GC.AllocateArray<ushort>(Lz4PageEncoder.TableEntries, pinned: true);
    private int tableBase = FirstBase;

    public string Name => "lz4page";

    public int Compress(ReadOnlySpan<byte> page, Span<byte> destination)
    {
        int length = page.Length;
        int limit = Math.Min(destination.Length, length - 1);
        if (limit <= 0)
        {
            return PageCodec.DidNotFit;
        }

        // Stored positions stay below length - 5, so base + length may reach 65541 and still fit 16 bits.
        if (tableBase + length > ushort.MaxValue + 2)
        {
            Array.Clear(table);
            tableBase = FirstBase;
        }

        int written;
        fixed (byte* src = page)
        fixed (byte* dst = destination)
        {
            ushort* hashTable = (ushort*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(table));
            written = Lz4PageEncoder.Compress(src, length, dst, limit, destination.Length, hashTable, tableBase);
        }

        tableBase += length;
        return written > 0 ? written : PageCodec.DidNotFit;
    }

    /// <remarks>
    /// K4os's decoder (liblz4's safe decoder, ported): lz4page's own bounds-checked decoder (commit eaaf20d)
    /// was slower than it on non-zero pages (docs/results/lz4page.md).
    /// </remarks>
    public void Decompress(ReadOnlySpan<byte> source, Span<byte> page) => Lz4Codec.DecodeWholePage(Name, source, page);
}
