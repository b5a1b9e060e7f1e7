using Mecom.Codecs.Framing;
using Mecom.Tests.Support;

namespace Mecom.Tests.Migration;

/// <summary>
/// A round too small to give every worker a full batch (the stop-and-copy round, typically) is split
/// evenly over the workers, by the one rule both engines use.
/// </summary>
public class BatchSplitTests
{
    private static readonly Lazy<byte[]> Image = new(() => Corpora.Shipped().First(e => e.Name == "python-sqlite").ReadAllPages());

    [Theory]
    [InlineData(1000, 128, 2, 128)]
    [InlineData(256, 128, 2, 128)]
    [InlineData(255, 128, 2, 128)]
    [InlineData(254, 128, 2, 127)]
    [InlineData(100, 128, 2, 50)]
    [InlineData(101, 128, 2, 51)]
    [InlineData(3, 128, 4, 1)]
    [InlineData(1, 128, 2, 1)]
    [InlineData(100, 128, 1, 128)]
    [InlineData(100, 16, 2, 16)]
    public void Small_rounds_are_split_evenly_over_the_workers(int roundPages, int batchPages, int workers, int expected)
    {
        int per = Precopy.BatchPages(roundPages, batchPages, workers);
        Assert.Equal(expected, per);
        Assert.InRange(per, 1, batchPages);
    }

    [Fact]
    public void The_emulator_sends_a_small_round_as_one_frame_per_worker_and_it_decodes_exactly()
    {
        byte[] memory = Image.Value;
        long[] pages = Enumerable.Range(0, 100).Select(p => (long)(p * 3)).ToArray();
        var frames = new List<byte[]>();
        using (var sender = new SourceSender(Strategy.Parse("mecom"), 4096, memory.Length / 4096, batchPages: 128, workers: 2, deltaCachePercent: 0, selector: null))
        {
            sender.Send(memory, pages, frame => frames.Add(frame.ToArray()));
        }

        Assert.Equal(2, frames.Count);
        byte[] target = new byte[memory.Length];
        using var decoder = new BatchDecompressor(1);
        Assert.Equal([50, 50], frames.Select(f => decoder.Decompress(f, target)).ToArray());
        foreach (long p in pages)
        {
            Assert.True(memory.AsSpan((int)p * 4096, 4096).SequenceEqual(target.AsSpan((int)p * 4096, 4096)), $"page {p} differs");
        }
    }

    [Fact]
    public async Task The_sending_thread_builds_small_rounds_itself_and_a_failure_there_leaves_the_sender_usable()
    {
        // One worker: a round of two batches is built by the sending thread as that worker's partner, so
        // no worker is handed the round at all; frames still go in order and decode exactly.
        byte[] memory = Image.Value;
        using var sender = new SourceSender(Strategy.Parse("lz4"), 4096, memory.Length / 4096, batchPages: 64, workers: 1, deltaCachePercent: 0, selector: null);
        long[] pages = Enumerable.Range(0, 100).Select(p => (long)(p * 5)).ToArray();
        var frames = new List<byte[]>();
        await Task.Run(() => sender.Send(memory, pages, frame => frames.Add(frame.ToArray())), TestContext.Current.CancellationToken)
            .WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        byte[] target = new byte[memory.Length];
        using var decoder = new BatchDecompressor(1);
        Assert.Equal([64, 36], frames.Select(f => decoder.Decompress(f, target)).ToArray());
        Assert.All(pages, p => Assert.True(memory.AsSpan((int)p * 4096, 4096).SequenceEqual(target.AsSpan((int)p * 4096, 4096)), $"page {p} differs"));

        // A page beyond the memory fails its batch; the error reaches the caller, and the next round is sent whole.
        long[] bad = [1, 2, memory.Length / 4096 + 7];
        Assert.Throws<ArgumentOutOfRangeException>(() => sender.Send(memory, bad, _ => { }));
        frames.Clear();
        sender.Send(memory, pages, frame => frames.Add(frame.ToArray()));
        Assert.Equal([64, 36], frames.Select(f => decoder.Decompress(f, target)).ToArray());
    }

    [Fact]
    public void The_simulated_stop_and_copy_round_uses_every_worker()
    {
        // zstd over a link too fast to matter: the round is CPU-bound, so two workers (each side its own)
        // finish 100 pages in about half the time one does, where one batch of 100 took as long as with one.
        var (guest, workload, costs) = SimulationTests.IdleGuest("zstd:1");
        using GuestWorkload _ = workload;
        long[] pages = Enumerable.Range(0, 100).Select(p => (long)p).ToArray();

        double StopAndCopyMs(int workers)
        {
            var settings = new MigrationSettings
            {
                Strategy = Strategy.Parse("zstd:1"), BandwidthBps = 100e9, Workers = workers, BatchPages = 128, SharedHosts = false,
            };
            var engine = new SimulatedMigration(guest, workload, settings, costs);
            engine.PauseGuest();
            double paused = engine.NowMs;
            engine.SendRound(0, pages, stopAndCopy: true);
            // Less the four thread hand-offs (two before a frame decodes, two for the answer): a fixed price
            // that the workers do not split, measured while other tests load the machine, so at times
            // milliseconds.
            return engine.WaitForTarget() - paused - 4 * costs.WakeNs / 1e6;
        }

        double one = StopAndCopyMs(1), two = StopAndCopyMs(2);
        Assert.True(two < 0.75 * one, $"two workers {two:F3} ms, one {one:F3} ms");
    }
}
