using System.Diagnostics;
using Mecom.Harness.Corpus;

namespace Mecom.Harness.Migration;

/// <summary>A guest that keeps writing its memory on its own thread until paused.</summary>
public abstract class GuestWorkload : IDisposable
{
    private readonly ManualResetEventSlim stop = new();
    private Thread? thread;
    private Exception? failure;

    public abstract string Describe { get; }

    public void Start(GuestMemory memory)
    {
        var clock = Stopwatch.StartNew();
        thread = new Thread(() =>
        {
            try
            {
                Run(memory, clock);
            }
            catch (Exception e)
            {
                failure = e;
            }
        }) { IsBackground = true, Name = "guest" };
        thread.Start();
    }

    /// <summary>Stops the guest and returns once it writes no more.</summary>
    public void Pause()
    {
        stop.Set();
        thread?.Join();
        if (failure is not null)
        {
            throw new InvalidOperationException($"the guest workload failed: {failure.Message}", failure);
        }
    }

    /// <summary>Waits until <paramref name="dueMs"/> on the clock; false when paused meanwhile.</summary>
    protected bool WaitUntil(Stopwatch clock, double dueMs)
    {
        double wait = dueMs - clock.Elapsed.TotalMilliseconds;
        return wait <= 0 ? !stop.IsSet : !stop.Wait(TimeSpan.FromMilliseconds(wait));
    }

    protected abstract void Run(GuestMemory memory, Stopwatch clock);

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
public sealed class TraceWorkload(IReadOnlyList<TraceEpoch> epochs, double timeScale) : GuestWorkload
{
    public override string Describe => $"trace replay, {epochs.Count} epochs, time scale {timeScale}";

    protected override void Run(GuestMemory memory, Stopwatch clock)
    {
        if (epochs.Count == 0)
        {
            return;
        }

        long period = epochs[^1].TimeMs + (epochs.Count > 1 ? (epochs[^1].TimeMs - epochs[0].TimeMs) / (epochs.Count - 1) : epochs[0].TimeMs);
        for (long cycle = 0; ; cycle++)
        {
            long previous = 0;
            foreach (TraceEpoch epoch in epochs)
            {
                int n = epoch.Indices.Length;
                for (int i = 0; i < n; i++)
                {
                    double due = (cycle * period + previous + (epoch.TimeMs - previous) * (i + 1.0) / n) / timeScale;
                    if (!WaitUntil(clock, due))
                    {
                        return;
                    }

                    memory.Write(epoch.Indices[i], epoch.Page(i, memory.PageSize));
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
public sealed class SyntheticWorkload(byte[] original, double rate, long hotSet, int seed) : GuestWorkload
{
    public override string Describe => $"synthetic, {rate} pages/s over a hot set of {hotSet} pages";

    protected override void Run(GuestMemory memory, Stopwatch clock)
    {
        if (rate <= 0)
        {
            return;
        }

        var random = new Random(seed);
        long pages = memory.Pages;
        long[] hot = HotSet(pages, Math.Min(hotSet, pages), random);
        for (long j = 1; ; j++)
        {
            if (!WaitUntil(clock, j * 1000.0 / rate))
            {
                return;
            }

            long source = random.NextInt64(pages);
            memory.Write(hot[random.NextInt64(hot.Length)], original.AsSpan((int)(source * memory.PageSize), memory.PageSize));
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
