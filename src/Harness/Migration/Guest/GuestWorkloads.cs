using System.Diagnostics;
using Mecom.Harness.Corpus;

namespace Mecom.Harness.Migration.Guest;

/// <summary>
/// One page write of a guest: when (ms since migration start), which page, and the new contents, which
/// are always some page of the image or of the trace (<paramref name="ContentId"/> numbers those: image
/// pages first, then each epoch's pages in order), so the simulator can price them without copying.
/// </summary>
public readonly record struct GuestWrite(double DueMs, long Page, int ContentId);

/// <summary>
/// A guest that keeps writing its memory: a schedule of writes, played on a thread in real time by the
/// emulator (<see cref="Start"/>) or consumed in virtual time by the simulator. One schedule, two clocks.
/// </summary>
public abstract class GuestWorkload : IDisposable
{
    private readonly ManualResetEventSlim stop = new();
    // Held for each write, so a pause taken under it knows no write is half done and none follows.
    private readonly Lock writing = new();
    private bool paused;
    private Thread? thread;
    private Exception? failure;

    public abstract string Describe { get; }

    /// <summary>The writes in time order; endless for a guest that never stops by itself.</summary>
    public abstract IEnumerable<GuestWrite> Schedule(long pages);

    /// <summary>The bytes of a content id.</summary>
    public abstract ReadOnlyMemory<byte> Contents(int contentId);

    /// <summary>How many content ids there are (the image's pages and every page the guest can write).</summary>
    public abstract int ContentCount { get; }

    public void Start(GuestMemory memory)
    {
        var clock = Stopwatch.StartNew();
        thread = new Thread(() =>
        {
            try
            {
                foreach (GuestWrite write in Schedule(memory.Pages))
                {
                    double wait = write.DueMs - clock.Elapsed.TotalMilliseconds;
                    if (wait > 0 ? stop.Wait(TimeSpan.FromMilliseconds(wait)) : stop.IsSet)
                    {
                        return;
                    }

                    lock (writing)
                    {
                        if (paused)
                        {
                            return;
                        }

                        memory.Write(write.Page, Contents(write.ContentId).Span);
                    }
                }
            }
            catch (Exception e)
            {
                lock (writing)
                {
                    failure = e;
                }
            }
        }) { IsBackground = true, Name = "guest" };
        thread.Start();
    }

    /// <summary>
    /// Stops the guest and returns once it writes no more: at once, unless a write is under way. Its thread
    /// sees the stop and ends later (<see cref="Dispose"/> waits for it). Waiting here for that thread to
    /// wake and end would put the scheduler's delay inside the downtime whenever the cores are busy
    /// decoding, time a hypervisor stopping vCPUs on their own cores does not spend (measured:
    /// docs/results/migration.md).
    /// </summary>
    public void Pause()
    {
        Exception? failed;
        lock (writing)
        {
            paused = true;
            failed = failure;
        }

        stop.Set();
        if (failed is not null)
        {
            throw new InvalidOperationException($"the guest workload failed: {failed.Message}", failed);
        }
    }

    public void Dispose()
    {
        stop.Set();
        thread?.Join();
        stop.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>
/// Replays a corpus trace: each epoch's pages are written spread evenly over the time since the epoch
/// before (a real guest does not write a second's pages in one instant), at trace time / time scale;
/// after the last epoch the trace starts over, one epoch period later.
/// </summary>
public sealed class TraceWorkload : GuestWorkload
{
    private readonly byte[] image;
    private readonly IReadOnlyList<TraceEpoch> epochs;
    private readonly double timeScale;
    private readonly int pageSize;
    private readonly int[] firstId;

    public TraceWorkload(byte[] image, int pageSize, IReadOnlyList<TraceEpoch> epochs, double timeScale)
    {
        this.image = image;
        this.pageSize = pageSize;
        this.epochs = epochs;
        this.timeScale = timeScale;
        firstId = new int[epochs.Count + 1];
        firstId[0] = image.Length / pageSize;
        for (int e = 0; e < epochs.Count; e++)
        {
            firstId[e + 1] = firstId[e] + epochs[e].Indices.Length;
        }
    }

    public override string Describe => $"trace replay, {epochs.Count} epochs, time scale {timeScale}";

    public override int ContentCount => firstId[^1];

    public override ReadOnlyMemory<byte> Contents(int contentId)
    {
        if (contentId < firstId[0])
        {
            return image.AsMemory(contentId * pageSize, pageSize);
        }

        int e = Array.BinarySearch(firstId, contentId);
        e = e >= 0 ? e : ~e - 1;
        return epochs[e].Contents.AsMemory((contentId - firstId[e]) * pageSize, pageSize);
    }

    public override IEnumerable<GuestWrite> Schedule(long pages)
    {
        if (epochs.Count == 0)
        {
            yield break;
        }

        long period = epochs[^1].TimeMs + (epochs.Count > 1 ? (epochs[^1].TimeMs - epochs[0].TimeMs) / (epochs.Count - 1) : epochs[0].TimeMs);
        for (long cycle = 0; ; cycle++)
        {
            long previous = 0;
            for (int e = 0; e < epochs.Count; e++)
            {
                TraceEpoch epoch = epochs[e];
                int n = epoch.Indices.Length;
                for (int i = 0; i < n; i++)
                {
                    double due = (cycle * period + previous + (epoch.TimeMs - previous) * (i + 1.0) / n) / timeScale;
                    yield return new GuestWrite(due, epoch.Indices[i], firstId[e] + i);
                }

                previous = epoch.TimeMs;
            }
        }
    }
}

/// <summary>
/// A synthetic guest: writes <c>rate</c> pages per second at a steady pace to random pages of a fixed
/// hot set, each time with the contents of a random page of the original image (so compressibility is
/// the corpus's own). Seeded: the same settings write the same pages in the same order.
/// </summary>
public sealed class SyntheticWorkload(byte[] image, int pageSize, double rate, long hotSet, int seed) : GuestWorkload
{
    public override string Describe => $"synthetic, {rate} pages/s over a hot set of {hotSet} pages";

    public override ReadOnlyMemory<byte> Contents(int contentId) => image.AsMemory(contentId * pageSize, pageSize);

    public override int ContentCount => image.Length / pageSize;

    public override IEnumerable<GuestWrite> Schedule(long pages)
    {
        if (rate <= 0)
        {
            yield break;
        }

        var random = new Random(seed);
        long[] hot = HotSet(pages, Math.Min(hotSet, pages), random);
        int sources = image.Length / pageSize;
        for (long j = 1; ; j++)
        {
            int source = random.Next(sources);
            yield return new GuestWrite(j * 1000.0 / rate, hot[random.NextInt64(hot.Length)], source);
        }
    }

    /// <summary>The hot set: distinct pages spread over memory, drawn without replacement.</summary>
    public static long[] HotSet(long pages, long count, Random random)
    {
        long[] all = new long[pages];
        for (long i = 0; i < pages; i++)
        {
            all[i] = i;
        }

        random.Shuffle(all);
        long[] hot = all[..(int)count];
        Array.Sort(hot);
        return hot;
    }
}

/// <summary>
/// A guest that edits pages in place: every <c>stride</c>-th page in turn, <c>rate</c> writes per second,
/// each write toggling the page between its image contents and the same with 32 bytes a quarter in inverted.
/// Every re-send is then a small edit of what the target holds, what a delta encoder exists for: the
/// migration warm-up runs it so that delta cache hits, encodes, decodes and a stop-and-copy round of some
/// hundred pages are compiled before the first measured run, not inside its downtime.
/// </summary>
public sealed class StripeEditWorkload : GuestWorkload
{
    private readonly byte[] image;
    private readonly int pageSize;
    private readonly double rate;
    private readonly int stride;
    private readonly byte[] edited;

    public StripeEditWorkload(byte[] image, int pageSize, double rate, int stride)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        this.image = image;
        this.pageSize = pageSize;
        this.rate = rate;
        this.stride = stride;
        int pages = image.Length / pageSize;
        edited = new byte[(pages + stride - 1) / stride * pageSize];
        for (int h = 0; h * pageSize < edited.Length; h++)
        {
            Span<byte> page = edited.AsSpan(h * pageSize, pageSize);
            image.AsSpan(h * stride * pageSize, pageSize).CopyTo(page);
            foreach (ref byte b in page.Slice(pageSize / 4, Math.Min(32, pageSize - pageSize / 4)))
            {
                b = (byte)~b;
            }
        }
    }

    public override string Describe => $"stripe edits, {rate} pages/s over every {stride}th page";

    public override int ContentCount => (image.Length + edited.Length) / pageSize;

    public override ReadOnlyMemory<byte> Contents(int contentId)
    {
        int imagePages = image.Length / pageSize;
        return contentId < imagePages
            ? image.AsMemory(contentId * pageSize, pageSize)
            : edited.AsMemory((contentId - imagePages) * pageSize, pageSize);
    }

    public override IEnumerable<GuestWrite> Schedule(long pages)
    {
        int imagePages = image.Length / pageSize;
        int hot = edited.Length / pageSize;
        if (rate <= 0 || hot == 0)
        {
            yield break;
        }

        var isEdited = new bool[hot];
        for (long j = 0; ; j++)
        {
            int h = (int)(j % hot);
            isEdited[h] = !isEdited[h];
            long page = (long)h * stride;
            yield return new GuestWrite((j + 1) * 1000 / rate, page, isEdited[h] ? imagePages + h : (int)page);
        }
    }
}
