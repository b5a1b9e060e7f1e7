namespace Mecom.Codecs.Delta;

/// <summary>
/// The bookkeeping of a byte budget filled in order, oldest entries overwritten first: where the next entry
/// of a given length goes in a ring of <see cref="Capacity"/> bytes, and which entries it overwrites. An
/// entry never wraps (the ring's tail is skipped instead), so each lies whole in one span of the store.
/// Shared by the source's page cache, which keeps bytes in it, and the simulator's, which keeps only sizes,
/// so both evict the same pages.
/// </summary>
public sealed class RingLog
{
    private readonly Queue<(long Key, long Start)> entries;
    private long head;

    public RingLog(long capacity, int expectedEntries = 0)
    {
        if (capacity < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "the ring holds at least one byte");
        }

        Capacity = capacity;
        entries = new Queue<(long, long)>(expectedEntries);
    }

    public long Capacity { get; }

    /// <summary>
    /// Appends an entry of <paramref name="length"/> bytes for <paramref name="key"/>; returns its logical
    /// start (its offset in the ring is <c>start % Capacity</c>). Every entry it overwrites is reported to
    /// <paramref name="evicted"/> with its key and logical start, oldest first.
    /// </summary>
    public long Append<TSink>(long key, int length, ref TSink evicted)
        where TSink : struct, IEvictionSink
    {
        if (length < 0 || length > Capacity)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, $"an entry must fit the ring's {Capacity} bytes");
        }

        long offset = head % Capacity;
        if (offset + length > Capacity)
        {
            head += Capacity - offset;
        }

        // Everything that started less than a ring ago before this entry's end survives.
        while (entries.Count > 0 && entries.Peek().Start < head + length - Capacity)
        {
            var (oldKey, oldStart) = entries.Dequeue();
            evicted.Evicted(oldKey, oldStart);
        }

        long start = head;
        entries.Enqueue((key, start));
        head += length;
        return start;
    }

    /// <summary>Told of each entry overwritten (a struct, so appending allocates nothing).</summary>
    public interface IEvictionSink
    {
        void Evicted(long key, long start);
    }
}
