namespace Mecom.Codecs.Delta;

/// <summary>
/// The source's old-page cache for delta re-sends (XBZRLE's cache, sized as a share of guest memory): what
/// was last sent for each page, least recently sent evicted first. Pages are kept as the codec encoded them
/// for sending (the bytes exist already, so keeping them costs a copy of fewer bytes), and decoded when a
/// re-send asks for them: at the 4x a guest's pages typically compress, a budget of a quarter of guest
/// memory holds every page instead of the last quarter sent. Only the source keeps one; the target's
/// memory is its old version. Allocation happens once. Safe for several threads: each reads through its
/// own <see cref="Reader"/>.
/// </summary>
public sealed class PageCache : IDisposable
{
    private const byte Raw = 0;

    private readonly byte[] store;
    private readonly RingLog<byte> log;
    // Guards the log and the store; a reader decodes outside it, so the source's workers decode their
    // cached pages in parallel. Held across the decode, it serialized them: the stop-and-copy round of a
    // delta strategy, nearly all re-sends, ran on one core's worth of decoding while the other waited.
    private readonly Lock gate = new();
    private readonly List<string> codecNames = [string.Empty];
    private readonly Dictionary<string, byte> codecIds = new(StringComparer.Ordinal);
    private readonly List<Reader> readers = [];
    private readonly Reader own;

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
        // capability is set), not page-faulted in during the first round, where the faults would be counted
        // as the cost of sending pages.
        store.AsSpan().Clear();
        // Sized for pages kept at 4x, so filling the budget seldom grows them.
        log = new RingLog<byte>(store.Length, (int)Math.Min(4L * capacityPages, 1 << 24));
        own = CreateReader();
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

    public int Count
    {
        get
        {
            lock (gate)
            {
                return log.Count;
            }
        }
    }

    /// <summary>Bytes the cached pages take in the store.</summary>
    public long StoredBytes
    {
        get
        {
            lock (gate)
            {
                return log.LiveBytes;
            }
        }
    }

    /// <summary>A reader for one thread: its own buffers and decoders, so threads read the cache in parallel.</summary>
    public Reader CreateReader()
    {
        lock (gate)
        {
            var reader = new Reader(this);
            readers.Add(reader);
            return reader;
        }
    }

    /// <summary>
    /// The cached previous version of a page, if still cached, through the cache's own reader: for one
    /// thread at a time (others use their own, <see cref="CreateReader"/>). The span is valid until the next call.
    /// </summary>
    public bool TryGet(long page, out ReadOnlySpan<byte> previous) => own.TryGet(page, out previous);

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

        bool keepEncoded = codec is not null && !encoded.IsEmpty && encoded.Length < PageSize;
        ReadOnlySpan<byte> keep = keepEncoded ? encoded : contents;
        lock (gate)
        {
            byte id = keepEncoded ? CodecId(codec!) : Raw;
            long start = log.Append(page, keep.Length, id);
            keep.CopyTo(store.AsSpan((int)(start % store.Length), keep.Length));
        }
    }

    /// <summary>The id a codec's pages are kept under; each reader makes its own decoder for it by name.</summary>
    private byte CodecId(IPageCodec codec)
    {
        if (codecIds.TryGetValue(codec.Name, out byte id))
        {
            return id;
        }

        if (codecNames.Count > byte.MaxValue)
        {
            throw new InvalidOperationException("the page cache keeps pages of at most 255 codecs");
        }

        // Made once here, so a codec the registry cannot make fails at the put, not at a later read.
        (CodecRegistry.Create(codec.Name) as IDisposable)?.Dispose();
        codecNames.Add(codec.Name);
        id = (byte)(codecNames.Count - 1);
        codecIds[codec.Name] = id;
        return id;
    }

    public void Dispose()
    {
        lock (gate)
        {
            foreach (Reader reader in readers)
            {
                reader.DisposeDecoders();
            }
        }
    }

    /// <summary>
    /// Reads pages back for one thread: under the cache's lock it only copies the kept bytes out; the
    /// decode, the expensive part, runs outside it with this reader's own decoders.
    /// </summary>
    public sealed class Reader
    {
        private readonly PageCache cache;
        private readonly byte[] kept;
        private readonly byte[] decoded;
        private readonly List<IPageCodec?> decoders = [null];

        internal Reader(PageCache cache)
        {
            this.cache = cache;
            kept = new byte[cache.PageSize];
            decoded = new byte[cache.PageSize];
        }

        /// <summary>The cache this reader reads.</summary>
        public PageCache Cache => cache;

        /// <summary>The cached previous version of a page, if still cached. The span is valid until this reader's next call.</summary>
        public bool TryGet(long page, out ReadOnlySpan<byte> previous)
        {
            byte id;
            int length;
            string? name = null;
            lock (cache.gate)
            {
                if (!cache.log.TryGet(page, out var entry))
                {
                    previous = default;
                    return false;
                }

                id = entry.Value;
                length = entry.Length;
                cache.store.AsSpan((int)(entry.Start % cache.store.Length), length).CopyTo(id == Raw ? decoded : kept);
                if (id != Raw && (id >= decoders.Count || decoders[id] is null))
                {
                    name = cache.codecNames[id];
                }
            }

            if (id != Raw)
            {
                Decoder(id, name).Decompress(kept.AsSpan(0, length), decoded);
            }

            previous = decoded;
            return true;
        }

        private IPageCodec Decoder(byte id, string? name)
        {
            while (decoders.Count <= id)
            {
                decoders.Add(null);
            }

            return decoders[id] ??= CodecRegistry.Create(name!);
        }

        internal void DisposeDecoders()
        {
            foreach (IPageCodec? codec in decoders)
            {
                (codec as IDisposable)?.Dispose();
            }
        }
    }
}
