using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;

namespace Mecom.Harness.Migration.Protocol;

/// <summary>
/// The sending side of an emulated link: a token bucket that lets bytes onto the connection at the
/// configured rate (a burst of at most <see cref="BurstSeconds"/> ahead of schedule), and an optional
/// one-way latency (a delay line: each chunk is written to the socket that much after it left the bucket),
/// and an optional send buffer: bytes a sender may hand over beyond what the link has carried, as a
/// kernel's socket send buffer takes them (QEMU's holds up to 4 MiB, which QEMU counts as sent). Counts
/// every byte it carries.
/// </summary>
public sealed class LinkEmulator : IDisposable
{
    /// <summary>How far ahead of its schedule the bucket lets a sender get: 2 ms of traffic.</summary>
    public const double BurstSeconds = 0.002;

    private readonly Stream inner;
    private readonly double bytesPerSecond;
    private readonly double latencySeconds;
    private readonly double bufferSeconds;
    private readonly int chunk;
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private readonly BlockingCollection<(byte[] Buffer, int Length, double Due)>? delayLine;
    private readonly Thread? deliverer;
    private double finish;
    private int pending;
    private Exception? deliveryFailure;

    public LinkEmulator(Stream inner, double bitsPerSecond, double latencyMs = 0, long sendBufferBytes = 0)
    {
        this.inner = inner;
        bytesPerSecond = bitsPerSecond / 8;
        latencySeconds = latencyMs / 1000;
        bufferSeconds = sendBufferBytes / bytesPerSecond;
        // About a millisecond of traffic per chunk, so pacing is smooth at 100 Mbit/s and cheap at 10 Gbit/s.
        chunk = (int)Math.Clamp(bytesPerSecond / 1000, 1500, 256 * 1024);
        // A buffered byte still leaves at its time on the link: the delay line holds it until then.
        if (latencySeconds > 0 || bufferSeconds > 0)
        {
            delayLine = new BlockingCollection<(byte[], int, double)>();
            deliverer = new Thread(Deliver) { IsBackground = true, Name = "link delay line" };
            deliverer.Start();
        }
    }

    public long BytesSent { get; private set; }

    public void Write(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            int n = Math.Min(chunk, data.Length);
            double now = clock.Elapsed.TotalSeconds;
            finish = Math.Max(finish, now) + n / bytesPerSecond;
            double wait = finish - BurstSeconds - bufferSeconds - now;
            if (wait > 0)
            {
                // Sleeps are whole milliseconds: rounding up keeps the link from ever running ahead of
                // the bucket; the lateness is caught up by the next chunks, whose schedule is absolute.
                Thread.Sleep((int)Math.Ceiling(wait * 1000));
            }

            if (delayLine is null)
            {
                inner.Write(data[..n]);
            }
            else
            {
                if (deliveryFailure is not null)
                {
                    throw new IOException($"the link failed: {deliveryFailure.Message}", deliveryFailure);
                }

                byte[] copy = ArrayPool<byte>.Shared.Rent(n);
                data[..n].CopyTo(copy);
                Interlocked.Increment(ref pending);
                delayLine.Add((copy, n, finish + latencySeconds));
            }

            BytesSent += n;
            data = data[n..];
        }
    }

    /// <summary>
    /// Returns once everything written has reached the socket and left at the link's rate: the burst
    /// allowance lets the last 2 ms of a round into the socket early, and a round that returned then would
    /// end, and a pause begin, before its last byte was on the link (the simulator's round end), moving
    /// those milliseconds from pre-copy into the downtime. With a send buffer it returns once the rest fits
    /// in it, as a write to a socket does: those bytes drain after the round, into the next one or the downtime.
    /// </summary>
    public void Flush()
    {
        WaitForSchedule();
        if (delayLine is not null && bufferSeconds == 0)
        {
            while (Volatile.Read(ref pending) > 0 && deliveryFailure is null)
            {
                Thread.Sleep(1);
            }

            if (deliveryFailure is not null)
            {
                throw new IOException($"the link failed: {deliveryFailure.Message}", deliveryFailure);
            }
        }

        inner.Flush();
    }

    private void WaitForSchedule()
    {
        double until = finish - bufferSeconds;
        double wait = until - clock.Elapsed.TotalSeconds;
        if (wait > 0.002)
        {
            // Whole-millisecond sleeps overshoot; sleep short of the end and spin the rest.
            Thread.Sleep((int)(wait * 1000) - 1);
        }

        var spin = new SpinWait();
        while (clock.Elapsed.TotalSeconds < until)
        {
            spin.SpinOnce(sleep1Threshold: -1);
        }
    }

    private void Deliver()
    {
        try
        {
            foreach (var (buffer, length, due) in delayLine!.GetConsumingEnumerable())
            {
                double wait = due - clock.Elapsed.TotalSeconds;
                if (wait > 0)
                {
                    Thread.Sleep((int)Math.Ceiling(wait * 1000));
                }

                inner.Write(buffer, 0, length);
                ArrayPool<byte>.Shared.Return(buffer);
                Interlocked.Decrement(ref pending);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            deliveryFailure = e;
        }
    }

    public void Dispose()
    {
        delayLine?.CompleteAdding();
        deliverer?.Join();
        delayLine?.Dispose();
    }
}
