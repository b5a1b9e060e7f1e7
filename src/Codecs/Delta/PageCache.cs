namespace Mecom.Codecs.Delta;

/// <summary>
/// The old-page cache both sides keep for delta re-sends: a bounded number of pages, least recently
/// sent evicted first (XBZRLE's cache, sized as a share of guest memory). Allocation happens once.
/// </summary>
public sealed class PageCache
{
    private readonly byte[] store;
    private readonly Dictionary<long, LinkedListNode<(long Page, int Slot)>> map;
    private readonly LinkedList<(long Page, int Slot)> recency = new();
    private readonly Stack<int> free = new();
    private readonly LinkedListNode<(long Page, int Slot)>[] nodes;

    public PageCache(int capacityPages, int pageSize = PageCodec.DefaultPageSize)
    {
        if (capacityPages < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(capacityPages), capacityPages, "the cache holds at least one page");
        }

        PageSize = pageSize;
        Capacity = capacityPages;
        store = GC.AllocateUninitializedArray<byte>(checked(capacityPages * pageSize));
        // Written now, so the memory is committed at set-up (as QEMU allocates its XBZRLE cache when the
        // capability is set), not page-faulted in during the first round: that cost about 50 ms of a
        // 0.33 s migration of a 128 MiB guest, and is no part of sending pages.
        store.AsSpan().Clear();
        map = new Dictionary<long, LinkedListNode<(long, int)>>(capacityPages);
        // One list node per slot, reused: putting a page allocates nothing.
        nodes = new LinkedListNode<(long, int)>[capacityPages];
        for (int slot = capacityPages - 1; slot >= 0; slot--)
        {
            nodes[slot] = new LinkedListNode<(long, int)>((-1, slot));
            free.Push(slot);
        }
    }

    /// <summary>A cache sized as <paramref name="percent"/> of a guest of <paramref name="guestPages"/> pages.</summary>
    public static PageCache ForGuest(long guestPages, double percent, int pageSize = PageCodec.DefaultPageSize) =>
        new((int)Math.Clamp(guestPages * percent / 100, 1, int.MaxValue / pageSize), pageSize);

    public int Capacity { get; }

    public int PageSize { get; }

    public int Count => map.Count;

    /// <summary>The cached previous version of a page, if still cached.</summary>
    public bool TryGet(long page, out ReadOnlySpan<byte> previous)
    {
        if (map.TryGetValue(page, out var node))
        {
            previous = store.AsSpan(node.Value.Slot * PageSize, PageSize);
            return true;
        }

        previous = default;
        return false;
    }

    /// <summary>Records what was just sent for <paramref name="page"/>, evicting the least recent page when full.</summary>
    public void Put(long page, ReadOnlySpan<byte> contents)
    {
        if (map.TryGetValue(page, out var node))
        {
            recency.Remove(node);
        }
        else
        {
            if (free.Count == 0)
            {
                var oldest = recency.First!;
                recency.RemoveFirst();
                map.Remove(oldest.Value.Page);
                free.Push(oldest.Value.Slot);
            }

            node = nodes[free.Pop()];
            node.Value = (page, node.Value.Slot);
            map[page] = node;
        }

        recency.AddLast(node);
        contents.CopyTo(store.AsSpan(node.Value.Slot * PageSize, PageSize));
    }
}
