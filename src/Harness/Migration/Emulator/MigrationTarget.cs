using System.Buffers;

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
    /// Hard ceiling on one message's payload, whatever the hello's page size, batch and guest give: 64 MiB
    /// holds a batch of 1,024 pages of 64 KiB, 16,384 of 4 KiB, or the largest dictionary packed.
    /// </summary>
    public int MaxFrameBytes { get; init; } = 64 << 20;

    /// <summary>Distinct codecs a session's frames may name (the hello announces how many, up to this).</summary>
    public int MaxCodecs { get; init; } = 16;

    /// <summary>Codec state and dictionaries one session may make its decoders hold.</summary>
    public long MaxCodecBytes { get; init; } = 256L << 20;

    /// <summary>Challenge, answer and hello must all be done within this, however slowly the peer trickles.</summary>
    public int HandshakeTimeoutMs { get; init; } = 5000;

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

    /// <summary>Whether a migration is in progress (a second source is told the target is busy).</summary>
    public bool Busy => migration.CurrentCount == 0;

    private readonly SemaphoreSlim migration = new(1, 1);

    /// <summary>
    /// Serves one migration session on <paramref name="connection"/>; whatever goes wrong in it ends it
    /// with an Error message and a report, never the process.
    /// </summary>
    public TargetReport Serve(Stream connection)
    {
        var stream = new CountingStream(connection);
        var guard = new ConnectionGuard(connection);
        TargetSession? session = null;
        bool holdsSlot = false;
        // Progress from the first byte: a source waiting on this target hears from it twice a second.
        using var progress = new Timer(_ => TryProgress(stream), null, Wire.ProgressIntervalMs, Wire.ProgressIntervalMs);
        try
        {
            HelloMessage hello;
            SessionBounds bounds;
            using (guard.Deadline(limits.HandshakeTimeoutMs, $"the peer did not complete the handshake within {limits.HandshakeTimeoutMs / 1000.0:0.#} s"))
            {
                Authenticate(stream, guard);
                (hello, bounds) = Hello(stream, guard);
            }

            if (guard.Reason is { } late)
            {
                throw new WireException(late);
            }

            // A source that just finished connects for its next migration while this target is still
            // tearing the last one down (seen in every grid run): a short grace tells that from a real second source.
            holdsSlot = migration.Wait(BusyGraceMs);
            if (!holdsSlot)
            {
                throw new WireException(BusyMessage);
            }

            session = new TargetSession(stream, guard, checked((long)hello.Pages * hello.PageSize), bounds, hello.ReplyDelayUs / 1000.0, Workers);
            return session.Run();
        }
        catch (Exception e)
        {
            // Whatever a peer sends ends only its own session (an allocation a peer sized included): the
            // target stays up for the next one.
            progress.Change(Timeout.Infinite, Timeout.Infinite);
            string why = guard.Reason is { } aborted && e is IOException ? aborted : e.Message;
            TrySendError(stream, why);
            return new TargetReport(session?.Applied ?? 0, session?.DecodeSeconds ?? 0, false, session?.Memory, why);
        }
        finally
        {
            session?.Dispose();
            stream.Mac?.Dispose();
            if (holdsSlot)
            {
                migration.Release();
            }
        }
    }

    /// <summary>How long a hello waits for the migration before it hears <see cref="BusyMessage"/>.</summary>
    public const int BusyGraceMs = 1000;

    /// <summary>What a second source hears while a migration runs.</summary>
    public const string BusyMessage = "busy: this target is serving another migration; try again when it ends";

    private void Authenticate(CountingStream stream, ConnectionGuard guard)
    {
        byte[] challenge = ChallengeMessage.NewPayload(tokenRequired: token is not null);
        Wire.Write(stream, Wire.Challenge, challenge);
        Handshake.Target(stream, token, challenge, () => guard.Reason);
    }

    private (HelloMessage Hello, SessionBounds Bounds) Hello(Stream stream, ConnectionGuard guard)
    {
        if (!Wire.TryRead(stream, HelloMessage.Bytes, out byte type, out byte[] buffer, out int length))
        {
            throw new WireException(guard.Reason ?? "the peer closed the connection before saying hello");
        }

        try
        {
            if (type != Wire.Hello || length != HelloMessage.Bytes)
            {
                throw new WireException($"expected a hello of {HelloMessage.Bytes} bytes, got message type 0x{type:x2} of {length} bytes");
            }

            HelloMessage hello = HelloMessage.Read(buffer.AsSpan(0, length));
            return (hello, Check(hello));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The hello against this target's limits, in 64-bit arithmetic; a refusal names the field.</summary>
    private SessionBounds Check(HelloMessage hello)
    {
        (uint pageSize, ulong pages, uint batchPages, uint replyDelayUs, byte codecs, uint dictionaryBytes) = hello;
        if (pages == 0 || pages > (ulong)(limits.MaxMemoryBytes / pageSize))
        {
            throw new WireException($"hello: pages: a guest of {pages} pages of {pageSize} bytes exceeds this target's limit of {limits.MaxMemoryBytes} bytes");
        }

        if (replyDelayUs > limits.MaxReplyDelayUs)
        {
            throw new WireException($"hello: reply delay: a link latency of {replyDelayUs / 1000.0:0.#} ms is beyond the {limits.MaxReplyDelayUs / 1000.0:0.#} ms this target emulates");
        }

        if (batchPages is 0 || batchPages > limits.MaxBatchPages)
        {
            throw new WireException($"hello: batch pages: batches of {batchPages} pages are outside 1..{limits.MaxBatchPages}");
        }

        long frame = Wire.FrameLimit(pageSize, (long)Math.Min(pages, batchPages));
        if (frame > limits.MaxFrameBytes)
        {
            throw new WireException($"hello: batch pages: frames of {Math.Min(pages, batchPages)} pages of {pageSize} bytes may take {frame:N0} bytes, over the {limits.MaxFrameBytes:N0} this target reads in one message");
        }

        if (codecs is 0 || codecs > limits.MaxCodecs)
        {
            throw new WireException($"hello: codecs: {codecs} codecs are outside 1..{limits.MaxCodecs}");
        }

        if (dictionaryBytes > Math.Min(Wire.MaxDictionaryPayload, limits.MaxFrameBytes))
        {
            throw new WireException($"hello: dictionary bytes: a dictionary of {dictionaryBytes:N0} bytes is over the {Math.Min(Wire.MaxDictionaryPayload, limits.MaxFrameBytes):N0} this target takes");
        }

        return new SessionBounds((int)frame, (int)dictionaryBytes, codecs, limits.MaxCodecBytes);
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
}
