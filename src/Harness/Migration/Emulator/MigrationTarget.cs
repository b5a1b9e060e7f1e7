using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO.Hashing;
using Mecom.Codecs;
using Mecom.Codecs.Framing;
using Mecom.Codecs.General;
using Mecom.Codecs.Hashing;

namespace Mecom.Harness.Migration.Emulator;

/// <summary>What one migration session left on the target.</summary>
/// <param name="PagesApplied">Pages decoded and verified.</param>
/// <param name="DecodeSeconds">Time the decoding threads spent on frames.</param>
/// <param name="Exact">The source's final memory hash equals the target's.</param>
/// <param name="Memory">The target's memory (the in-process emulator compares it byte for byte).</param>
/// <param name="Error">Why the session ended early, or null.</param>
public sealed record TargetReport(long PagesApplied, double DecodeSeconds, bool Exact, byte[]? Memory, string? Error);

/// <summary>Bounds a target keeps whatever a peer claims.</summary>
public sealed record TargetLimits
{
    /// <summary>Largest guest a session may announce (one array: at most 2 GiB).</summary>
    public long MaxMemoryBytes { get; init; } = Array.MaxLength;

    public int MaxBatchPages { get; init; } = 65536;

    /// <summary>
    /// Longest emulated one-way latency a peer may ask the target to add to each answer. 1 s covers a
    /// geostationary satellite hop (about 0.27 s) with room to spare; every answer waits this long, so
    /// the bound also bounds how long a peer can hold the target per message it sends.
    /// </summary>
    public uint MaxReplyDelayUs { get; init; } = MigrationTarget.MaxReplyDelayUs;
}

/// <summary>
/// The receiving host: reads the session's messages, decodes frames on its own worker threads into its
/// memory, verifies every page against its source hash, and answers when every page is in. Frames of one
/// round are decoded in any order; a round's end is a barrier, so a page re-sent (or sent as a delta) in
/// a later round is applied after its earlier version.
/// </summary>
public sealed class MigrationTarget(int workers, TargetLimits? limits = null, string? token = null)
{
    private readonly TargetLimits limits = limits ?? new TargetLimits();

    /// <summary>
    /// Default longest emulated latency a peer may ask the target to add to its answers (the source's own
    /// limit): found by fuzzing, a forged hello could make the target sleep for an hour, and later that
    /// 10 s per answer still let a forged session of a few round ends hold the target for a minute.
    /// </summary>
    public const uint MaxReplyDelayUs = 1_000_000;

    /// <summary>Whether peers must prove they hold the shared token.</summary>
    public bool RequiresToken => token is not null;

    public int Workers { get; } = workers > 0 ? workers : Environment.ProcessorCount;

    /// <summary>Serves one migration session on <paramref name="stream"/>; protocol errors end it with an Error message.</summary>
    public TargetReport Serve(Stream connection)
    {
        var stream = new CountingStream(connection);
        Session? session = null;
        // Progress from the first byte: a source waiting on this target hears from it twice a second.
        using var progress = new Timer(_ => TryProgress(stream), null, Wire.ProgressIntervalMs, Wire.ProgressIntervalMs);
        try
        {
            Authenticate(stream);
            session = Hello(stream);
            return session.Run();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Whatever a peer sends ends only its own session: the target stays up for the next one.
            progress.Change(Timeout.Infinite, Timeout.Infinite);
            TrySendError(stream, e.Message);
            return new TargetReport(session?.Applied ?? 0, session?.DecodeSeconds ?? 0, false, session?.Memory, e.Message);
        }
        finally
        {
            session?.Dispose();
        }
    }

    private void Authenticate(Stream stream)
    {
        byte[] challenge = ChallengeMessage.NewPayload(tokenRequired: token is not null);
        Wire.Write(stream, Wire.Challenge, challenge);
        if (!Wire.TryRead(stream, 64, out byte type, out byte[] buffer, out int length))
        {
            throw new WireException("the peer closed the connection before authenticating");
        }

        try
        {
            if (type != Wire.Auth)
            {
                throw new WireException($"expected an authentication answer, got message type 0x{type:x2}: is the peer an older mecom?");
            }

            if (token is not null)
            {
                byte[] expected = Wire.Mac(token, ChallengeMessage.Read(challenge).Nonce);
                if (length != expected.Length || !System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(expected, buffer.AsSpan(0, length)))
                {
                    throw new WireException(length == 0
                        ? "authentication failed: this target requires a token (--token) and the peer sent none"
                        : "authentication failed: the peer's token is not this target's");
                }
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private Session Hello(Stream stream)
    {
        if (!Wire.TryRead(stream, HelloMessage.Bytes, out byte type, out byte[] buffer, out int length))
        {
            throw new WireException("the peer closed the connection before saying hello");
        }

        try
        {
            if (type != Wire.Hello || length != HelloMessage.Bytes)
            {
                throw new WireException($"expected a hello of {HelloMessage.Bytes} bytes, got message type 0x{type:x2} of {length} bytes");
            }

            var (pageSize, pages, batchPages, replyDelayUs) = HelloMessage.Read(buffer.AsSpan(0, length));
            if (pages == 0 || pages > (ulong)(limits.MaxMemoryBytes / pageSize))
            {
                throw new WireException($"a guest of {pages} pages of {pageSize} bytes exceeds this target's limit of {limits.MaxMemoryBytes} bytes");
            }

            if (replyDelayUs > limits.MaxReplyDelayUs)
            {
                throw new WireException($"a link latency of {replyDelayUs / 1000.0:0.#} ms is beyond the {limits.MaxReplyDelayUs / 1000.0:0.#} ms this target emulates");
            }

            if (batchPages is 0 || batchPages > limits.MaxBatchPages)
            {
                throw new WireException($"batches of {batchPages} pages are outside 1..{limits.MaxBatchPages}");
            }

            return new Session(stream, (int)pageSize, (long)pages, (int)batchPages, replyDelayUs / 1000.0, Workers);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void TryProgress(CountingStream stream)
    {
        try
        {
            Span<byte> payload = stackalloc byte[ProgressMessage.Bytes];
            new ProgressMessage(stream.BytesRead).Write(payload);
            Wire.Write(stream, Wire.Progress, payload);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or NotSupportedException or InvalidOperationException)
        {
            // The session is ending; its own path reports why.
        }
    }

    private static void TrySendError(Stream stream, string message)
    {
        try
        {
            Wire.WriteError(stream, message);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or NotSupportedException)
        {
            // The peer is gone; the report carries the reason.
        }
    }

    private sealed class Session : IDisposable
    {
        private readonly Stream stream;
        private readonly int pageSize;
        private readonly int maxFrame;
        private readonly double replyDelayMs;
        private readonly BlockingCollection<(byte[] Buffer, int Length)> queue;
        private readonly Thread[] threads;
        // Frames queued or being decoded; the reader waits on the gate for it to reach zero at a round's end.
        private readonly object gate = new();
        private int pending;
        private long applied;
        private long decodeTicks;
        private Exception? failure;

        public Session(Stream stream, int pageSize, long pages, int batchPages, double replyDelayMs, int workers)
        {
            this.stream = stream;
            this.pageSize = pageSize;
            this.replyDelayMs = replyDelayMs;
            maxFrame = BatchFrame.MaxBytes(new string('x', FrameBuilder.MaxCodecName), pageSize, batchPages);
            Memory = new byte[pages * pageSize];
            queue = new BlockingCollection<(byte[], int)>(boundedCapacity: 2 * workers);
            threads = Enumerable.Range(0, workers).Select(i => new Thread(Decode) { IsBackground = true, Name = $"target decoder {i}" }).ToArray();
            foreach (Thread t in threads)
            {
                t.Start();
            }
        }

        public byte[] Memory { get; }

        public long Applied => Interlocked.Read(ref applied);

        public double DecodeSeconds => (double)Interlocked.Read(ref decodeTicks) / Stopwatch.Frequency;

        public TargetReport Run()
        {
            bool framesSeen = false;
            bool dictionarySeen = false;
            while (true)
            {
                int limit = framesSeen || dictionarySeen ? maxFrame : Math.Max(maxFrame, Wire.MaxDictionaryPayload);
                if (!Wire.TryRead(stream, limit, out byte type, out byte[] buffer, out int length))
                {
                    throw new WireException("the source closed the connection before the migration finished");
                }

                ThrowIfFailed();
                switch (type)
                {
                    case Wire.Dictionary when !framesSeen && !dictionarySeen:
                        dictionarySeen = true;
                        try
                        {
                            RawDictionary.Register(RawDictionary.Unpack(buffer.AsSpan(0, length)));
                        }
                        catch (InvalidDataException e)
                        {
                            throw new WireException($"the source's dictionary is unusable: {e.Message}", e);
                        }

                        break;
                    case Wire.Dictionary:
                        ArrayPool<byte>.Shared.Return(buffer);
                        throw new WireException(framesSeen ? "a dictionary arrived after the first frame" : "a second dictionary arrived");
                    case Wire.Frame:
                        framesSeen = true;
                        lock (gate)
                        {
                            pending++;
                        }

                        queue.Add((buffer, length));
                        continue;
                    case Wire.RoundEnd:
                        Drain();
                        break;
                    case Wire.Finish:
                        Drain();
                        ReplyAfterLinkDelay(Wire.Done, new DoneMessage(Applied, (long)(DecodeSeconds * 1e9)).ToPayload());
                        break;
                    case Wire.Check when length == Wire.CheckBytes:
                        bool exact = XxHash128.Hash(Memory).AsSpan().SequenceEqual(buffer.AsSpan(0, Wire.CheckBytes));
                        ArrayPool<byte>.Shared.Return(buffer);
                        Wire.Write(stream, Wire.Verdict, new VerdictMessage(exact).ToPayload());
                        return new TargetReport(Applied, DecodeSeconds, exact, Memory, exact ? null : "the target's memory differs from the source's");
                    default:
                        ArrayPool<byte>.Shared.Return(buffer);
                        throw new WireException($"unexpected message type 0x{type:x2} ({length} bytes) during a migration");
                }

                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        private void ReplyAfterLinkDelay(byte type, byte[] payload)
        {
            if (replyDelayMs > 0)
            {
                Thread.Sleep(TimeSpan.FromMilliseconds(replyDelayMs));
            }

            Wire.Write(stream, type, payload);
        }

        private void Drain()
        {
            // Blocking, not spinning: on a machine whose cores the source shares, a reader spinning through the
            // previous round's backlog took a core from the decoders it waited for and from the source's
            // compressing threads, and made the stop-and-copy round slow and its downtime noisy.
            lock (gate)
            {
                while (pending > 0)
                {
                    Monitor.Wait(gate);
                }
            }

            ThrowIfFailed();
        }

        private void ThrowIfFailed()
        {
            if (failure is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
            }
        }

        private void Decode()
        {
            using var decoder = new BatchDecompressor(1);
            foreach (var (buffer, length) in queue.GetConsumingEnumerable())
            {
                try
                {
                    if (failure is null)
                    {
                        long t0 = Stopwatch.GetTimestamp();
                        int pages = decoder.Decompress(buffer.AsSpan(0, length), Memory);
                        Interlocked.Add(ref decodeTicks, Stopwatch.GetTimestamp() - t0);
                        Interlocked.Add(ref applied, pages);
                    }
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref failure, e, null);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    lock (gate)
                    {
                        if (--pending == 0)
                        {
                            Monitor.PulseAll(gate);
                        }
                    }
                }
            }
        }

        public void Dispose()
        {
            queue.CompleteAdding();
            foreach (Thread t in threads)
            {
                t.Join();
            }

            queue.Dispose();
        }
    }
}
