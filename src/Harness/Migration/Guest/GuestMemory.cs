namespace Mecom.Harness.Migration.Guest;

/// <summary>
/// The source's guest: its memory and the dirty bitmap its writes set and each round harvests. A write
/// copies the page first and sets its bit after, so a round that read a half-written page has the bit set
/// again and sends the page once more; the bitmap is the only thing shared with the migration.
/// </summary>
public sealed class GuestMemory
{
    private readonly DirtyBitmap dirty;

    public GuestMemory(byte[] memory, int pageSize)
    {
        if (memory.Length % pageSize != 0)
        {
            throw new ArgumentException($"memory of {memory.Length} bytes is not a whole number of {pageSize}-byte pages");
        }

        Memory = memory;
        PageSize = pageSize;
        Pages = memory.Length / pageSize;
        dirty = new DirtyBitmap(Pages);
    }

    public byte[] Memory { get; }

    public int PageSize { get; }

    public long Pages { get; }

    /// <summary>Pages written since the start.</summary>
    public long Writes => Interlocked.Read(ref writes);

    private long writes;

    public void Write(long page, ReadOnlySpan<byte> contents)
    {
        contents.CopyTo(Memory.AsSpan((int)(page * PageSize), PageSize));
        dirty.Set(page);
        Interlocked.Increment(ref writes);
    }

    public long CountDirty() => dirty.Count();

    public long[] Harvest() => dirty.Harvest();
}
