
namespace Mecom.Tests.Migration;

/// <summary>The pre-copy driver and stop rules on a scripted engine: rounds, stop points and the metrics' definitions.</summary>
public class PolicyTests
{
    /// <summary>
    /// An engine in virtual time: each round takes pages x <c>msPerPage</c> and leaves a scripted number
    /// of pages dirty; pausing and the target's answer take no time.
    /// </summary>
    private sealed class ScriptedEngine(long guestPages, Func<int, long> dirtyAfterRound, double msPerPage) : IPrecopyEngine
    {
        private long dirty;

        public List<(int Round, int Pages, bool Final)> Sent { get; } = [];

        public bool Paused { get; private set; }

        public long GuestPages => guestPages;

        public int PageSize => 4096;

        public double NowMs { get; private set; }

        public RoundRecord SendRound(int round, long[] pages, bool stopAndCopy)
        {
            Assert.Equal(stopAndCopy, Paused);
            double start = NowMs;
            NowMs += pages.Length * msPerPage;
            Sent.Add((round, pages.Length, stopAndCopy));
            if (!stopAndCopy)
            {
                dirty = dirtyAfterRound(round);
            }

            return new RoundRecord(round, pages.Length, pages.Length * 4096L, start, NowMs - start, 0, stopAndCopy);
        }

        public long CountDirty() => dirty;

        public long[] HarvestDirty()
        {
            long[] pages = Enumerable.Range(0, (int)dirty).Select(i => (long)i).ToArray();
            dirty = 0;
            return pages;
        }

        public void PauseGuest() => Paused = true;

        public double WaitForTarget() => NowMs + 1;
    }

    [Fact]
    public void Xen_stops_when_fewer_than_50_pages_are_dirty()
    {
        var engine = new ScriptedEngine(10_000, round => new long[] { 2000, 400, 49 }[round], 0.01);
        PrecopyOutcome outcome = Precopy.Run(engine, new XenStopRule(), resumeMs: 5, maxMs: 1e9);
        Assert.Equal([10_000, 2000, 400, 49], engine.Sent.Select(s => s.Pages));
        Assert.True(engine.Sent[^1].Final);
        Assert.Contains("49 dirty pages", outcome.StopReason);
        Assert.Equal(4, outcome.Rounds.Count);
        // Downtime: pause -> target done (+1 ms) plus resume; total: start -> target done.
        Assert.Equal(49 * 0.01 + 1 + 5, outcome.DowntimeMs, 6);
        Assert.Equal((10_000 + 2000 + 400 + 49) * 0.01 + 1, outcome.TotalTimeMs, 6);
    }

    [Fact]
    public void Xen_stops_after_three_times_the_memory_and_at_the_round_cap()
    {
        var heavy = new ScriptedEngine(1000, _ => 1000, 0.01);
        PrecopyOutcome outcome = Precopy.Run(heavy, new XenStopRule(), 0, 1e9);
        Assert.Contains("3x memory", outcome.StopReason);
        Assert.Equal(4 + 1, outcome.Rounds.Count); // 4000 pages sent > 3000, then stop-and-copy

        var capped = new ScriptedEngine(1_000_000, _ => 100, 0.0001);
        Assert.Contains("round cap", Precopy.Run(capped, new XenStopRule(30), 0, 1e9).StopReason);
        Assert.Equal(30 + 1, capped.Sent.Count);
    }

    [Fact]
    public void Qemu_stops_when_the_rest_fits_the_downtime_limit_at_the_measured_rate()
    {
        // 0.01 ms per page = 100,000 pages/s: 300 ms holds 30,000 pages.
        var engine = new ScriptedEngine(100_000, round => new long[] { 60_000, 30_001, 30_000 }[round], 0.01);
        PrecopyOutcome outcome = Precopy.Run(engine, new QemuStopRule(300, 30), 0, 1e9);
        Assert.Equal([100_000, 60_000, 30_001, 30_000], engine.Sent.Select(s => s.Pages));
        Assert.Contains("<= 300 ms", outcome.StopReason);
    }

    [Fact]
    public void A_guest_that_outruns_the_link_is_stopped_by_the_time_cap()
    {
        var engine = new ScriptedEngine(1000, _ => 1000, 1);
        PrecopyOutcome outcome = Precopy.Run(engine, new QemuStopRule(1, 1000), 0, maxMs: 5000);
        Assert.Contains("time cap", outcome.StopReason);
        Assert.Equal(5 + 1, engine.Sent.Count);
    }
}
