namespace Mecom.Codecs.Delta;

/// <summary>
/// The source's old-page cache for delta re-sends (XBZRLE's cache, sized as a share of guest memory): what
/// was last sent for each page, least recently sent evicted first. Pages are kept as the codec encoded them
/// for sending (the bytes exist already, so keeping them costs a copy of fewer bytes), and decoded when a
/// re-send asks for them: at the 4x a guest's pages typically compress, a budget of a quarter of guest
/// memory holds every page instead of the last quarter sent. Only the source keeps one; the target's
/// memory is its old version. Allocation happens once.
/// </summary>
public sealed class PageCache : IDisposable
{
    private const byte Raw = 0;

    private readonly byte[] store;
    private readonly RingLog<byte> log;
    private readonly List<IPageCodec?> decoders = [null];
    private readonly Dictionary<string, byte> codecIds = new(StringComparer.Ordinal);
    private readonly byte[] decoded;

    /// <param name="capacityPages">The budget, in pages' worth of bytes: it holds at least that many pages, more when they compress.</param>
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
        // Sized for pages kept at 4x, so filling the budget seldom grows them.
        log = new RingLog<byte>(store.Length, (int)Math.Min(4L * capacityPages, 1 << 24));
        decoded = new byte[pageSize];
    }

    /// <summary>A cache sized as <paramref name="percent"/> of a guest of <paramref name="guestPages"/> pages.</summary>
    public static PageCache ForGuest(long guestPages, double percent, int pageSize = PageCodec.DefaultPageSize) =>
        new(CapacityFor(guestPages, percent, pageSize), pageSize);

    /// <summary>The budget, in pages' worth of bytes, of a cache of <paramref name="percent"/> of a guest's memory.</summary>
    public static int CapacityFor(long guestPages, double percent, int pageSize) =>
        (int)Math.Clamp(guestPages * percent / 100, 1, int.MaxValue / pageSize);

    /// <summary>The budget in pages' worth of bytes.</summary>
    public int Capacity { get; }

    public int PageSize { get; }

    public int Count => log.Count;

    /// <summary>Bytes the cached pages take in the store.</summary>
    public long StoredBytes => log.LiveBytes;

    /// <summary>
    /// The cached previous version of a page, if still cached. The span is valid until the next call: a page
    /// kept encoded is decoded into one buffer.
    /// </summary>
    public bool TryGet(long page, out ReadOnlySpan<byte> previous)
    {
        if (!log.TryGet(page, out var entry))
        {
            previous = default;
            return false;
        }

        ReadOnlySpan<byte> bytes = store.AsSpan((int)(entry.Start % store.Length), entry.Length);
        if (entry.Value == Raw)
        {
            previous = bytes;
            return true;
        }

        decoders[entry.Value]!.Decompress(bytes, decoded);
        previous = decoded;
        return true;
    }

    /// <summary>Records what was just sent for <paramref name="page"/>, raw.</summary>
    public void Put(long page, ReadOnlySpan<byte> contents) => Put(page, contents, default, null);

    /// <summary>
    /// Records what was just sent for <paramref name="page"/>: <paramref name="contents"/>, kept as
    /// <paramref name="encoded"/> (its output from <paramref name="codec"/>) when that is shorter, evicting the
    /// least recently sent pages as the budget fills.
    /// </summary>
    public void Put(long page, ReadOnlySpan<byte> contents, ReadOnlySpan<byte> encoded, IPageCodec? codec)
    {
        if (contents.Length != PageSize)
        {
            throw new ArgumentException($"a page is {PageSize} bytes, got {contents.Length}", nameof(contents));
        }

        byte id = Raw;
        ReadOnlySpan<byte> keep = contents;
        if (codec is not null && !encoded.IsEmpty && encoded.Length < PageSize)
        {
            id = CodecId(codec);
            keep = encoded;
        }

        long start = log.Append(page, keep.Length, id);
        keep.CopyTo(store.AsSpan((int)(start % store.Length), keep.Length));
    }

    /// <summary>The cache's own decoder for a codec (the sender's instances belong to its threads).</summary>
    private byte CodecId(IPageCodec codec)
    {
        if (codecIds.TryGetValue(codec.Name, out byte id))
        {
            return id;
        }

        if (decoders.Count > byte.MaxValue)
        {
            throw new InvalidOperationException("the page cache keeps pages of at most 255 codecs");
        }

        decoders.Add(CodecRegistry.Create(codec.Name));
        id = (byte)(decoders.Count - 1);
        codecIds[codec.Name] = id;
        return id;
    }

    public void Dispose()
    {
        foreach (IPageCodec? codec in decoders)
        {
            (codec as IDisposable)?.Dispose();
        }
    }
}
