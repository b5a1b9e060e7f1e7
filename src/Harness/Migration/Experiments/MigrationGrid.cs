using Mecom.Harness.Corpus;

namespace Mecom.Harness.Migration.Experiments;

/// <summary>Every strategy at every bandwidth on every guest: the runs a report compares.</summary>
public static class MigrationGrid
{
    /// <summary>Ends the name of the small guest the warm-up runs migrate, so callers can tell them apart.</summary>
    public const string WarmUpSuffix = " (warm-up)";

    /// <summary>
    /// The guest of a corpus entry: its image, and its trace replayed (or, with
    /// <see cref="MigrationSettings.DirtyRate"/>, the synthetic writer).
    /// </summary>
    public static GuestSpec LoadGuest(CorpusEntry entry, MigrationSettings settings)
    {
        byte[] image = entry.ReadAllPages();
        if (settings.DirtyRate is { } rate)
        {
            return new GuestSpec(entry.Name, image, entry.PageSize, () => new SyntheticWorkload(image, entry.PageSize, rate, settings.HotSet, settings.Seed));
        }

        if (entry.TracePath is null)
        {
            throw new ArgumentException($"{entry.Name} has no trace to replay; give --dirty-rate PAGES/s (and --hot-set PAGES) for a synthetic guest");
        }

        TraceEpoch[] epochs = TraceReader.ReadAll(entry).ToArray();
        return new GuestSpec(entry.Name, image, entry.PageSize, () => new TraceWorkload(image, entry.PageSize, epochs, settings.TimeScale));
    }

    /// <summary>
    /// Runs every strategy on a small slice of the guest that keeps editing every 8th page, so the
    /// first measured run does not pay for compiling the codecs, sockets and threads (tiered JIT) that later
    /// runs get for free, then waits for the runtime to finish compiling.
    /// </summary>
    /// <remarks>
    /// A slice that wrote nothing warmed round 0 only: the first delta encodes, cache hits and stop-and-copy
    /// batches of every measured run were then compiled inside its downtime, a cost of the same order as a
    /// fast link's whole downtime, which the simulator rightly does not price (counted with JitInfo:
    /// docs/results/migration.md).
    /// </remarks>
    private static void WarmUp(GuestSpec guest, IReadOnlyList<Strategy> strategies, MigrationSettings settings, Func<GuestSpec, MigrationSettings, MigrationRun> runOne)
    {
        byte[] slice = guest.Image[..(int)Math.Min(guest.Image.Length, 4096L * guest.PageSize)];
        var small = new GuestSpec(guest.Name + WarmUpSuffix, slice, guest.PageSize, () => new StripeEditWorkload(slice, guest.PageSize, 5000, 8));
        // The runtime swaps in optimised code some 100 ms after a method's first calls settle, so the
        // warm-up lasts a wall-clock second, not a number of runs.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (int pass = 0; pass < 3 || clock.Elapsed.TotalSeconds < 1; pass++)
        {
            foreach (Strategy strategy in strategies)
            {
                runOne(small, settings with { Strategy = strategy, BandwidthBps = 1e11, LatencyMs = 0 });
            }
        }

        WaitForJit();
    }

    /// <summary>
    /// Returns once the runtime has compiled no method for 200 ms (at most 3 s): optimised code for what
    /// ran last is compiled on a background thread, and on two cores that compile would otherwise share the
    /// CPUs with the next measured run.
    /// </summary>
    public static void WaitForJit()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        long compiled = System.Runtime.JitInfo.GetCompiledMethodCount();
        var quietSince = clock.Elapsed;
        while (clock.Elapsed.TotalSeconds < 3 && (clock.Elapsed - quietSince).TotalMilliseconds < 200)
        {
            Thread.Sleep(20);
            long now = System.Runtime.JitInfo.GetCompiledMethodCount();
            if (now != compiled)
            {
                compiled = now;
                quietSince = clock.Elapsed;
            }
        }
    }

    /// <summary>Runs the grid one run at a time (runs share the CPUs, so they never overlap).</summary>
    public static IReadOnlyList<MigrationRun> Run(
        IReadOnlyList<GuestSpec> guests, IReadOnlyList<Strategy> strategies, IReadOnlyList<double> bandwidths, MigrationSettings settings,
        Func<GuestSpec, MigrationSettings, MigrationRun> runOne, Action<MigrationRun>? onRun = null, bool warmUp = true)
    {
        var runs = new List<MigrationRun>();
        if (warmUp)
        {
            WarmUp(guests[0], strategies, settings, runOne);
        }

        foreach (GuestSpec guest in guests)
        {
            foreach (double bandwidth in bandwidths)
            {
                foreach (Strategy strategy in strategies)
                {
                    MigrationSettings one = settings with { Strategy = strategy, BandwidthBps = bandwidth };
                    MigrationRun run;
                    try
                    {
                        run = runOne(guest, one);
                    }
                    catch (MigrationFailedException e)
                    {
                        run = new MigrationRun
                        {
                            Corpus = guest.Name, Strategy = strategy.Name, BandwidthBps = bandwidth, Mode = "emulated",
                            StopRule = settings.StopRule.ToString().ToLowerInvariant(), StopReason = "failed", Workload = "",
                            DowntimeMs = 0, TotalTimeMs = 0, BytesSent = 0, Exact = false, Error = e.Message,
                        };
                    }

                    runs.Add(run);
                    onRun?.Invoke(run);
                }
            }
        }

        return MigrationReport.WithReductions(runs);
    }
}
