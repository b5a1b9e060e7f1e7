namespace Mecom.Codecs.Delta;

/// <summary>
/// A byte budget filled in order, oldest entries overwritten first, with each key's latest entry: where the
/// next entry of a given length goes in a ring of <see cref="Capacity"/> bytes, and which keys it pushes
/// out. An entry never wraps (the ring's tail is skipped instead), so each lies whole in one span of a
/// store. A key put again leaves its old bytes in the ring until they are overwritten, as a log does.
/// Shared by the source's page cache, which keeps the bytes in a store of its own, and the simulator's,
/// which keeps only sizes, so both evict the same pages.
/// </summary>
public sealed class RingLog<TValue>
{
    private readonly Queue<(long Key, long Start)> order;
    private readonly Dictionary<long, Entry> latest;
    private long head;

    public RingLog(long capacity, int expectedEntries = 0)
    {
        if (capacity < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "the ring holds at least one byte");
        }

        Capacity = capacity;
        order = new Queue<(long, long)>(expectedEntries);
        latest = new Dictionary<long, Entry>(expectedEntries);
    }

    public long Capacity { get; }

    /// <summary>Keys with an entry still in the ring.</summary>
    public int Count => latest.Count;

    /// <summary>Bytes the keys' latest entries take.</summary>
    public long LiveBytes { get; private set; }

    /// <summary>A key's latest entry: its logical start (its offset in the ring is <c>Start % Capacity</c>), length and value.</summary>
    public readonly record struct Entry(long Start, int Length, TValue Value);

    public bool TryGet(long key, out Entry entry) => latest.TryGetValue(key, out entry);

    /// <summary>
    /// Appends an entry of <paramref name="length"/> bytes for <paramref name="key"/>, which replaces the
    /// key's earlier one; returns its logical start. Entries it overwrites leave the ring.
    /// </summary>
    public long Append(long key, int length, TValue value)
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
        while (order.Count > 0 && order.Peek().Start < head + length - Capacity)
        {
            var (oldKey, oldStart) = order.Dequeue();
            // A key put again since has a newer entry; only its latest one leaves.
            if (latest.TryGetValue(oldKey, out Entry old) && old.Start == oldStart)
            {
                latest.Remove(oldKey);
                LiveBytes -= old.Length;
            }
        }

        if (latest.Remove(key, out Entry replaced))
        {
            LiveBytes -= replaced.Length;
        }

        long start = head;
        order.Enqueue((key, start));
        latest[key] = new Entry(start, length, value);
        LiveBytes += length;
        head += length;
        return start;
    }
}
