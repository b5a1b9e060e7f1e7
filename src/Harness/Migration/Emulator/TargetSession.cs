using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO.Hashing;
using Mecom.Codecs.Framing;
using Mecom.Codecs.General;

namespace Mecom.Harness.Migration.Emulator;

/// <summary>
/// One migration on the target, after its hello: reads the messages, decodes frames on worker threads
/// into its memory, and answers. A decoding thread that fails wakes the reader through the guard, so the
/// session ends at once with the decoder's reason.
/// </summary>
internal sealed class TargetSession : IDisposable
{
    private readonly Stream stream;
    private readonly ConnectionGuard guard;
    private readonly int maxFrame;
    private readonly int maxDictionary;
    private readonly double replyDelayMs;
    private readonly CodecAllowance allowance;
    private readonly BlockingCollection<(byte[] Buffer, int Length)> queue;
    private readonly Thread[] threads;
    // Frames queued or being decoded; the reader waits on the gate for it to reach zero at a round's end.
    private readonly object gate = new();
    private int pending;
    private long applied;
    private long decodeTicks;
    private Exception? failure;

    public TargetSession(Stream stream, ConnectionGuard guard, long guestBytes, SessionBounds bounds, double replyDelayMs, int workers)
    {
        this.stream = stream;
        this.guard = guard;
        this.replyDelayMs = replyDelayMs;
        maxFrame = bounds.MaxFrame;
        maxDictionary = bounds.MaxDictionary;
        // Dictionaries are the session's own: a frame can only use what its own source sent.
        allowance = new CodecAllowance(bounds.Codecs, bounds.MaxCodecBytes, new DictionaryStore(1));
        Memory = new byte[guestBytes];
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

    /// <summary>Codec and dictionary memory charged so far.</summary>
    public long CodecBytes => allowance.Charged;

    public TargetReport Run()
    {
        bool framesSeen = false;
        bool dictionarySeen = false;
        while (true)
        {
            // Only the message announced in the hello may be larger than a frame, and only before the first frame.
            int limit = framesSeen || dictionarySeen ? maxFrame : Math.Max(maxFrame, maxDictionary);
            if (!Read(limit, out byte type, out byte[] buffer, out int length))
            {
                throw new WireException("the source closed the connection before the migration finished");
            }

            try
            {
                ThrowIfFailed();
                switch (type)
                {
                    case Wire.Dictionary when !framesSeen && !dictionarySeen && maxDictionary > 0:
                        dictionarySeen = true;
                        ReceiveDictionary(buffer.AsSpan(0, length));
                        break;
                    case Wire.Dictionary:
                        throw new WireException(framesSeen ? "a dictionary arrived after the first frame"
                            : dictionarySeen ? "a second dictionary arrived" : "a dictionary arrived that the hello did not announce");
                    case Wire.Frame:
                        framesSeen = true;
                        lock (gate)
                        {
                            pending++;
                        }

                        queue.Add((buffer, length));
                        buffer = [];
                        break;
                    case Wire.RoundEnd:
                        Drain();
                        break;
                    case Wire.Finish:
                        Drain();
                        ReplyAfterLinkDelay(Wire.Done, new DoneMessage(Applied, (long)(DecodeSeconds * 1e9)).ToPayload());
                        break;
                    case Wire.Check when length == Wire.CheckBytes:
                        bool exact = XxHash128.Hash(Memory).AsSpan().SequenceEqual(buffer.AsSpan(0, Wire.CheckBytes));
                        Wire.Write(stream, Wire.Verdict, new VerdictMessage(exact).ToPayload());
                        return new TargetReport(Applied, DecodeSeconds, exact, Memory, exact ? null : "the target's memory differs from the source's");
                    default:
                        throw new WireException($"unexpected message type 0x{type:x2} ({length} bytes) during a migration");
                }
            }
            finally
            {
                if (buffer.Length > 0)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }
    }

    /// <summary>Reads the next message; a decoder's failure (which woke this read) wins over how the read ended.</summary>
    private bool Read(int limit, out byte type, out byte[] buffer, out int length)
    {
        bool got;
        try
        {
            got = Wire.TryRead(stream, limit, out type, out buffer, out length);
        }
        catch (Exception) when (failure is not null)
        {
            ThrowIfFailed();
            throw;
        }

        if (!got)
        {
            ThrowIfFailed();
        }

        return got;
    }

    private void ReceiveDictionary(ReadOnlySpan<byte> packed)
    {
        // Charged at the length it claims, before it is unpacked into that many bytes.
        if (packed.Length >= 4)
        {
            allowance.Charge(Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(packed), (uint)RawDictionary.MaxBytes), "the source's dictionary");
        }

        try
        {
            allowance.Dictionaries.Register(RawDictionary.Unpack(packed));
        }
        catch (InvalidDataException e)
        {
            throw new WireException($"the source's dictionary is unusable: {e.Message}", e);
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
        if (Volatile.Read(ref failure) is { } e)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e);
        }
    }

    private void Decode()
    {
        using var decoder = new BatchDecompressor(1, allowance);
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
                if (Interlocked.CompareExchange(ref failure, e, null) is null)
                {
                    guard.Abort(e.Message);
                }
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

/// <summary>What a session may receive, from the target's limits and what the hello announced.</summary>
/// <param name="MaxFrame">Largest frame payload.</param>
/// <param name="MaxDictionary">Largest dictionary payload (0: none announced).</param>
/// <param name="Codecs">Distinct codecs the frames may name.</param>
/// <param name="MaxCodecBytes">Codec state and dictionary memory.</param>
internal readonly record struct SessionBounds(int MaxFrame, int MaxDictionary, int Codecs, long MaxCodecBytes);
