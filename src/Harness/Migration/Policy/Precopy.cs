namespace Mecom.Harness.Migration.Policy;

/// <summary>One round as the policy sees it (and reports show it).</summary>
/// <param name="Round">0 = the full first pass; the last round is stop-and-copy.</param>
/// <param name="Pages">Pages sent.</param>
/// <param name="WireBytes">Bytes put on the link, message headers included.</param>
/// <param name="StartMs">Since the migration started.</param>
/// <param name="DurationMs">From the round's start to its last byte on the link.</param>
/// <param name="DirtyAfter">Pages dirty when the round ended (what the next round would send).</param>
/// <param name="StopAndCopy">The guest was paused for this round.</param>
public sealed record RoundRecord(int Round, long Pages, long WireBytes, double StartMs, double DurationMs, long DirtyAfter, bool StopAndCopy)
{
    /// <summary>Uncompressed page bytes per second the round moved: what compression buys.</summary>
    public double PageBytesPerSecond(int pageSize) => DurationMs > 0 ? Pages * (double)pageSize / (DurationMs / 1000) : double.PositiveInfinity;

    /// <summary>Pages dirtied per second during the round.</summary>
    public double DirtyRate => DurationMs > 0 ? DirtyAfter / (DurationMs / 1000) : 0;
}

/// <summary>
/// What carries out a migration: the emulator over a real connection, or the simulator in virtual
/// time. <see cref="Precopy"/> drives either one with the same round logic and stop rules.
/// </summary>
public interface IPrecopyEngine
{
    long GuestPages { get; }

    int PageSize { get; }

    /// <summary>Milliseconds since the migration started.</summary>
    double NowMs { get; }

    /// <summary>Sends these pages as one round; returns when the last byte is on the link.</summary>
    RoundRecord SendRound(int round, long[] pages, bool stopAndCopy);

    /// <summary>Pages dirty now, without clearing them.</summary>
    long CountDirty();

    /// <summary>The dirty pages, ascending, clearing the bitmap.</summary>
    long[] HarvestDirty();

    /// <summary>Stops the guest; returns when it writes no more.</summary>
    void PauseGuest();

    /// <summary>Waits until the target has every page verified; returns that time (ms since start).</summary>
    double WaitForTarget();
}

/// <summary>The outcome of the pre-copy algorithm, before the engine adds its own figures.</summary>
public sealed record PrecopyOutcome(IReadOnlyList<RoundRecord> Rounds, double PausedAtMs, double DoneAtMs, double DowntimeMs, double TotalTimeMs, string StopReason);

/// <summary>
/// Pre-copy live migration (Clark et al., NSDI 2005): round 0 sends every page, each later round the pages
/// dirtied during the one before, until the stop rule says the rest fits a pause; then stop-and-copy. The
/// one copy of this logic: the emulator and the simulator both run it.
/// </summary>
public static class Precopy
{
    /// <summary>
    /// Pages per batch for a round of <paramref name="roundPages"/>: the configured batch, except that a
    /// round too small to give each worker a full batch is split evenly over the workers. The stop-and-copy
    /// round is such a round (tens to a few hundred pages while the guest is paused), and as one batch it ran
    /// on one core while the others idled. Both engines size their batches here.
    /// </summary>
    public static int BatchPages(int roundPages, int batchPages, int workers)
    {
        if (roundPages >= batchPages * (long)workers || workers <= 1)
        {
            return batchPages;
        }

        return Math.Max(1, (roundPages + workers - 1) / workers);
    }

    /// <param name="maxMs">A cap on pre-copy: a guest that dirties faster than the link drains still ends.</param>
    public static PrecopyOutcome Run(IPrecopyEngine engine, IStopRule rule, double resumeMs, double maxMs, Action<RoundRecord>? onRound = null)
    {
        var rounds = new List<RoundRecord>();
        long[] pages = new long[engine.GuestPages];
        for (long p = 0; p < pages.Length; p++)
        {
            pages[p] = p;
        }

        string reason;
        for (int round = 0; ; round++)
        {
            RoundRecord record = engine.SendRound(round, pages, stopAndCopy: false);
            record = record with { DirtyAfter = engine.CountDirty() };
            rounds.Add(record);
            onRound?.Invoke(record);
            if (rule.ShouldStop(rounds, engine.GuestPages, engine.PageSize, out reason))
            {
                break;
            }

            if (engine.NowMs >= maxMs)
            {
                reason = $"time cap ({maxMs / 1000:0.#} s)";
                break;
            }

            pages = engine.HarvestDirty();
        }

        double pausedAt = engine.NowMs;
        engine.PauseGuest();
        long[] rest = engine.HarvestDirty();
        RoundRecord last = engine.SendRound(rounds.Count, rest, stopAndCopy: true);
        double doneAt = engine.WaitForTarget();
        last = last with { DirtyAfter = 0, DurationMs = doneAt - last.StartMs };
        rounds.Add(last);
        onRound?.Invoke(last);
        return new PrecopyOutcome(rounds, pausedAt, doneAt, doneAt - pausedAt + resumeMs, doneAt, reason);
    }
}
