using Mecom.Codecs;
using Mecom.Codecs.Delta;
using Mecom.Tests.Support;

namespace Mecom.Tests.Delta;

/// <summary>The source's old-page cache: a byte budget, pages kept as their codec encoded them, least recently sent evicted.</summary>
public class PageCacheTests
{
    [Fact]
    public void The_ring_overwrites_the_oldest_entries_and_never_splits_one()
    {
        var log = new RingLog<int>(100);
        long[] Live() => new long[] { 1, 2, 3, 4, 5, 6 }.Where(k => log.TryGet(k, out _)).ToArray();

        Assert.Equal(0, log.Append(1, 40, 10));
        Assert.Equal(40, log.Append(2, 40, 20));
        Assert.Equal([1L, 2L], Live());
        // 30 bytes do not fit the 20 left before the end: the tail is skipped, and entry 1 (0-40) overwritten.
        Assert.Equal(100, log.Append(3, 30, 30));
        Assert.Equal([2L, 3L], Live());
        Assert.Equal(130, log.Append(4, 10, 40));
        Assert.Equal([2L, 3L, 4L], Live());
        Assert.Equal(140, log.Append(5, 10, 50));   // 40-50 of the ring: entry 2 (40-80) goes
        Assert.Equal([3L, 4L, 5L], Live());
        Assert.True(log.TryGet(4, out var four));
        Assert.Equal(new RingLog<int>.Entry(130, 10, 40), four);
        Assert.Equal(50, log.LiveBytes);
        Assert.Equal(200, log.Append(6, 100, 60));  // the whole ring, from its start: everything before it goes
        Assert.Equal([6L], Live());
        Assert.Equal(100, log.LiveBytes);
        Assert.Throws<ArgumentOutOfRangeException>(() => log.Append(7, 101, 70));
    }

    [Fact]
    public void A_key_put_again_keeps_only_its_latest_entry_and_its_old_bytes_fill_the_ring_until_overwritten()
    {
        var log = new RingLog<int>(100);
        log.Append(1, 40, 10);
        log.Append(1, 40, 11);                       // 40-80; the first entry's bytes stay until overwritten
        Assert.Equal(1, log.Count);
        Assert.Equal(40, log.LiveBytes);
        log.Append(2, 30, 20);                       // overwrites 0-40: only the stale entry of key 1 goes
        Assert.True(log.TryGet(1, out var one));
        Assert.Equal(11, one.Value);
        Assert.Equal(2, log.Count);
    }

    [Fact]
    public void Pages_kept_encoded_come_back_exactly_and_take_only_their_encoded_bytes()
    {
        var (cache, memory, encodedBytes) = Filled(capacityPages: 32);
        using PageCache _ = cache;

        // 64 pages in a budget of 32 raw ones: the small guest compresses beyond 2x.
        Assert.True(encodedBytes < 32 * 4096, $"the test guest encodes to {encodedBytes} bytes");
        Assert.Equal(64, cache.Count);
        Assert.Equal(encodedBytes, cache.StoredBytes);
        for (int p = 0; p < 64; p++)
        {
            Assert.True(cache.TryGet(p, out ReadOnlySpan<byte> previous), $"page {p} missing");
            Assert.True(previous.SequenceEqual(memory.AsSpan(p * 4096, 4096)), $"page {p} differs");
        }
    }

    [Fact]
    public void A_full_budget_evicts_the_least_recently_sent_and_keeps_re_sent_pages_current()
    {
        using var cache = new PageCache(capacityPages: 2, pageSize: 4096);
        cache.Put(1, TestPages.Filled(4096, 1));
        cache.Put(2, TestPages.Filled(4096, 2));
        cache.Put(1, TestPages.Filled(4096, 11));   // refreshes page 1
        cache.Put(3, TestPages.Filled(4096, 3));    // evicts page 2, the least recent
        Assert.False(cache.TryGet(2, out _));
        Assert.True(cache.TryGet(1, out ReadOnlySpan<byte> one));
        Assert.Equal(11, one[0]);
        Assert.True(cache.TryGet(3, out ReadOnlySpan<byte> three));
        Assert.Equal(3, three[4095]);
        Assert.Equal(2, cache.Count);
        Assert.Equal(2 * 4096, cache.StoredBytes);
        Assert.Equal(3, PageCache.ForGuest(100, 3.0).Capacity);
        Assert.Throws<ArgumentException>(() => cache.Put(4, new byte[100]));
    }

    [Fact]
    public void Re_sending_and_looking_up_pages_allocates_nothing_once_warm()
    {
        byte[] memory = Corpora.SmallGuest[..(64 * 4096)];
        IPageCodec codec = CodecRegistry.Create("mecom");
        using var cache = new PageCache(capacityPages: 32, pageSize: 4096);
        byte[] output = new byte[4096];
        long hits = 0;

        void Round()
        {
            for (int p = 0; p < 64; p++)
            {
                if (cache.TryGet(p, out ReadOnlySpan<byte> previous) && previous.Length == 4096)
                {
                    hits++;
                }

                PutEncoded(cache, codec, memory, p, output);
            }
        }

        for (int warm = 0; warm < 4; warm++)
        {
            Round();
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        Round();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.True(hits > 0 && cache.Count > 0, $"{hits} hits, {cache.Count} pages cached");
    }

    [Fact]
    public void Readers_on_several_threads_each_get_every_page_back_exactly()
    {
        var (cache, memory, _) = Filled(capacityPages: 64);
        using PageCache _ = cache;

        var wrong = new System.Collections.Concurrent.ConcurrentBag<int>();
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, _ =>
        {
            PageCache.Reader reader = cache.CreateReader();
            for (int pass = 0; pass < 20; pass++)
            {
                for (int p = 0; p < 64; p++)
                {
                    if (!reader.TryGet(p, out ReadOnlySpan<byte> previous) || !previous.SequenceEqual(memory.AsSpan(p * 4096, 4096)))
                    {
                        wrong.Add(p);
                    }
                }
            }
        });
        Assert.Empty(wrong);
        Assert.Same(cache, cache.CreateReader().Cache);
    }

    /// <summary>A cache of <paramref name="capacityPages"/> pages' budget holding the small guest's first 64 pages as mecom encodes them.</summary>
    private static (PageCache Cache, byte[] Memory, long EncodedBytes) Filled(int capacityPages)
    {
        byte[] memory = Corpora.SmallGuest[..(64 * 4096)];
        IPageCodec codec = CodecRegistry.Create("mecom");
        var cache = new PageCache(capacityPages, pageSize: 4096);
        byte[] output = new byte[4096];
        long encodedBytes = 0;
        for (int p = 0; p < 64; p++)
        {
            encodedBytes += PutEncoded(cache, codec, memory, p, output);
        }

        return (cache, memory, encodedBytes);
    }

    /// <summary>Puts page <paramref name="p"/> as the codec encodes it for sending; returns the bytes kept.</summary>
    private static int PutEncoded(PageCache cache, IPageCodec codec, byte[] memory, int p, byte[] output)
    {
        ReadOnlySpan<byte> page = memory.AsSpan(p * 4096, 4096);
        int n = codec.Compress(page, output);
        cache.Put(p, page, n < 0 ? default : output.AsSpan(0, n), codec);
        return n < 0 ? 4096 : n;
    }
}
