using System.Collections.Concurrent;
using Mecom.Codecs;
using Mecom.Codecs.Delta;
using Mecom.Codecs.Framing;

namespace Mecom.Harness.Migration.Emulator;

/// <summary>
/// The source's compressing pipeline: worker threads build batch frames ahead of the link, the calling
/// thread puts them on the link in order. Each worker's kit (frame builders and codec instances) is
/// reused from batch to batch and round to round; a few spare kits let compression run ahead of the
/// link by a couple of batches.
/// </summary>
public sealed class SourceSender : IDisposable
{
    private readonly BlockingCollection<Kit> kits = new();
    private readonly BlockingCollection<Round> jobs = new();
    private readonly Thread[] threads;
    private readonly Strategy strategy;
    private readonly PageCache? cache;
    private readonly AdaptiveSelector? selector;
    private readonly PageCounter pageCounts = new();
    // Per candidate codec: the keys its compressed pages count under.
    private readonly string[][] keys;

    private readonly double rawAbove;

    public SourceSender(Strategy strategy, int pageSize, long guestPages, int batchPages, int workers, double deltaCachePercent, AdaptiveSelector? selector, double rawAbove = 1)
    {
        this.rawAbove = rawAbove;
        this.strategy = strategy;
        this.selector = selector;
        PageSize = pageSize;
        BatchPages = batchPages;
        Workers = workers;
        cache = strategy.Delta ? PageCache.ForGuest(guestPages, deltaCachePercent, pageSize) : null;
        // No batch holds more pages than the guest: 65,536 pages of 64 KiB would be a 4 GiB frame buffer.
        int framePages = (int)Math.Min(batchPages, guestPages);
        for (int i = 0; i < workers + 2; i++)
        {
            kits.Add(new Kit(
                new FrameBuilder(pageSize, framePages),
                selector is null ? null : new FrameBuilder(pageSize, framePages),
                strategy.Codecs.Select(CodecRegistry.Create).ToArray()));
        }

        keys = strategy.Codecs.Zip(kits.First().Codecs, PageCounter.KeysFor).ToArray();
        threads = Enumerable.Range(0, workers).Select(i => new Thread(Work) { IsBackground = true, Name = $"compress {i}" }).ToArray();
        foreach (Thread t in threads)
        {
            t.Start();
        }
    }

    public int PageSize { get; }

    public int BatchPages { get; }

    public int Workers { get; }

    /// <summary>Everything sent so far, by how pages went.</summary>
    public FrameStats Totals;

    /// <summary>Pages per encoding (<see cref="PageCounter"/>).</summary>
    public IReadOnlyDictionary<string, long> PageCounts => pageCounts.ByKey;

    /// <summary>Compresses <paramref name="pages"/> of <paramref name="memory"/> and writes each frame with <paramref name="write"/>, in order.</summary>
    public void Send(byte[] memory, long[] pages, Action<ReadOnlyMemory<byte>> write)
    {
        int batchPages = Precopy.BatchPages(pages.Length, BatchPages, Workers);
        int batches = (pages.Length + batchPages - 1) / batchPages;
        if (batches == 0)
        {
            return;
        }

        var ready = new TaskCompletionSource<(Kit Kit, FrameStats Stats, int Codec)>[batches];
        for (int b = 0; b < batches; b++)
        {
            ready[b] = new TaskCompletionSource<(Kit, FrameStats, int)>(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        // A round of at most two batches per worker (the stop-and-copy round is one) is built by this thread
        // as one of the workers, claiming batches beside the others instead of waiting to write: it is
        // running, while an idle worker can take milliseconds to be scheduled and a waiting writer as long to
        // wake, and a worker that wakes late finds its batches taken (traced in the stop-and-copy round, with
        // the guest paused: docs/notes/stop-and-copy.md). A bigger round leaves this thread to the link.
        bool callerBuilds = batches <= 2 * Workers;
        var round = new Round(memory, pages, batchPages, batches, ready, Math.Min(callerBuilds ? Workers - 1 : Workers, batches));
        for (int w = 0; w < round.Workers; w++)
        {
            jobs.Add(round);
        }

        int sent = 0;
        try
        {
            for (int b = 0; b < batches; b++, sent++)
            {
                // Builds only while the frame due next is not ready, so frames built go on the link at once.
                while (callerBuilds && !ready[b].Task.IsCompleted && kits.TryTake(out Kit? spare) && TryBuildNext(round, spare))
                {
                }

                var (kit, stats, codec) = ready[b].Task.GetAwaiter().GetResult();
                try
                {
                    write(kit.Builder.Frame);
                    Totals.Add(stats);
                    pageCounts.Add(stats, keys[codec]);
                }
                finally
                {
                    kits.Add(kit);
                }
            }
        }
        catch
        {
            // Stop the workers, then take back the kits of batches built but never sent.
            round.Cancelled = true;
            round.Finished.Wait();
            for (int b = sent + 1; b < batches; b++)
            {
                if (ready[b].Task.IsCompletedSuccessfully)
                {
                    kits.Add(ready[b].Task.Result.Kit);
                }
            }

            round.Finished.Dispose();
            throw;
        }

        // Every batch is built and sent. A worker still waking for this round finds none left and goes
        // back to waiting; the round does not wait for it (a late worker would add its wake-up to the
        // downtime), so its countdown is left to the collector rather than disposed under it.
    }

    /// <summary>
    /// A compressing thread, alive as long as the sender: threads made per round, or borrowed from the
    /// pool, cost a stop-and-copy round time it should not pay, and a busy pool can be slow to lend one.
    /// </summary>
    private void Work()
    {
        foreach (Round round in jobs.GetConsumingEnumerable())
        {
            try
            {
                while (!round.Cancelled)
                {
                    if (!kits.TryTake(out Kit? kit, 20))
                    {
                        continue;
                    }

                    if (!TryBuildNext(round, kit))
                    {
                        break;
                    }
                }
            }
            finally
            {
                round.Finished.Signal();
            }
        }
    }

    /// <summary>
    /// Claims the round's next batch and builds it with <paramref name="kit"/>; false (the kit given back)
    /// when no batch is left, the round is cancelled, or the build failed (the failure goes to the writer).
    /// </summary>
    private bool TryBuildNext(Round round, Kit kit)
    {
        int b = Interlocked.Increment(ref round.Next);
        if (b >= round.Batches || round.Cancelled)
        {
            kits.Add(kit);
            return false;
        }

        try
        {
            int first = b * round.BatchPages;
            ReadOnlySpan<long> indices = round.Pages.AsSpan(first, Math.Min(round.BatchPages, round.Pages.Length - first));
            round.Ready[b].SetResult(Build(kit, round.Memory, indices, b));
            return true;
        }
        catch (Exception e)
        {
            kits.Add(kit);
            round.Ready[b].SetException(e);
            return false;
        }
    }

    /// <summary>One round's work, shared by the compressing threads.</summary>
    private sealed class Round(byte[] memory, long[] pages, int batchPages, int batches, TaskCompletionSource<(Kit Kit, FrameStats Stats, int Codec)>[] ready, int workers)
    {
        public int Next = -1;
        public volatile bool Cancelled;

        public byte[] Memory { get; } = memory;

        public long[] Pages { get; } = pages;

        public int BatchPages { get; } = batchPages;

        public int Batches { get; } = batches;

        public int Workers { get; } = workers;

        public TaskCompletionSource<(Kit Kit, FrameStats Stats, int Codec)>[] Ready { get; } = ready;

        public CountdownEvent Finished { get; } = new(workers);
    }

    private (Kit, FrameStats, int) Build(Kit kit, byte[] memory, ReadOnlySpan<long> indices, int batch)
    {
        int k = selector?.Choose() ?? 0;
        IPageCodec codec = kit.Codecs[k];
        FrameStats stats = kit.Builder.Build(memory, indices, codec, cache, rawAbove);
        if (selector is not null)
        {
            selector.Observe(k, stats.Pages, stats.Ticks, kit.Builder.Frame.Length - BatchFrame.HeaderBytes(codec.Name));
            int probe = selector.Explore(batch, k);
            if (probe >= 0)
            {
                FrameStats other = kit.Probe!.Build(memory, indices, kit.Codecs[probe], rawAbove: rawAbove);
                selector.Observe(probe, other.Pages, other.Ticks, kit.Probe.Frame.Length - BatchFrame.HeaderBytes(kit.Codecs[probe].Name));
                stats.Ticks += other.Ticks; // the probe's CPU is the selector's cost
            }
        }

        return (kit, stats, k);
    }

    public void Dispose()
    {
        jobs.CompleteAdding();
        foreach (Thread t in threads)
        {
            t.Join();
        }

        jobs.Dispose();
        foreach (Kit kit in kits)
        {
            foreach (IPageCodec codec in kit.Codecs)
            {
                (codec as IDisposable)?.Dispose();
            }
        }

        kits.Dispose();
        cache?.Dispose();
    }

    private sealed record Kit(FrameBuilder Builder, FrameBuilder? Probe, IPageCodec[] Codecs);
}
