using Mecom.Codecs;
using Mecom.Codecs.Delta;
using Mecom.Codecs.Framing;

namespace Mecom.Harness.Migration.Simulator;

/// <summary>
/// The migration in virtual time: the same <see cref="Precopy"/> rounds, stop rules, guest schedule and
/// adaptive selector as the emulator, with the work priced from a <see cref="CostTable"/> instead of done.
/// </summary>
/// <remarks>
/// Per batch: compression on the first free source core (a batch can start only when one of the
/// workers + 2 frame kits is free, as in <see cref="SourceSender"/>), then the link at its rate in batch
/// order, then after the latency decompression on the first free target core, never before the previous
/// round is fully applied (the round barrier). With <see cref="MigrationSettings.SharedHosts"/> source and
/// target draw on one pool of cores, as the in-process emulator does on one machine. The guest's writes are
/// applied up to each batch's compression start, so a page's contents are those it had when compressed.
/// Deterministic: the same table and settings give the same run.
/// </remarks>
public sealed class SimulatedMigration : IPrecopyEngine, IDisposable
{
    private readonly MigrationSettings settings;
    private readonly CostTable costs;
    private readonly double handOffMs;
    private readonly GuestWorkload workload;
    private readonly int[] current;
    private readonly DirtyBitmap dirty;
    private readonly IEnumerator<GuestWrite> writes;
    private readonly CodecCosts[] candidates;
    private readonly AdaptiveSelector? selector;
    /// <summary>The delta cache: which content each cached page had and which candidate kept it (-1: raw), in the source cache's byte budget.</summary>
    private readonly RingLog<(int Id, int Codec)>? cache;
    private readonly CoreSchedule sourceCores;
    private readonly CoreSchedule targetCores;
    private readonly byte[] deltaScratch;
    private readonly int kits;
    private readonly PagePlan plan;
    // The selector's calibration and probes price pages raw only when they do not shrink, whatever the raw threshold.
    private readonly PagePlan lossless;
    private readonly PageCounter pageCounts = new();
    // Per candidate, the keys its compressed pages count under (one per record class, or its name alone);
    // for a codec with classes, an instance that tells a content's class and what it told (-1: not yet).
    private readonly string[][] keys;
    private readonly IPageCodec?[] classifiers;
    private readonly sbyte[]?[] contentClasses;
    private readonly byte[] classScratch;
    private readonly bool[] touched;
    private bool hasNext;
    private bool paused;
    private bool dictionarySent;
    // The adaptive selector's last choice, its pages, CPU ns and payload: observed after placement.
    private (int Codec, int Pages, double Ns, long PayloadBytes) observed;
    private double linkFree;
    private double barrier;
    private long guestWrites;

    public SimulatedMigration(GuestSpec spec, GuestWorkload workload, MigrationSettings settings, CostTable costs)
    {
        this.settings = settings;
        this.costs = costs;
        handOffMs = costs.WakeNs / 1e6;
        this.workload = workload;
        GuestPages = spec.Pages;
        PageSize = spec.PageSize;
        current = new int[spec.Pages];
        for (int p = 0; p < current.Length; p++)
        {
            current[p] = p;
        }

        dirty = new DirtyBitmap(spec.Pages);
        touched = new bool[spec.Pages];
        writes = workload.Schedule(spec.Pages).GetEnumerator();
        hasNext = writes.MoveNext();
        candidates = settings.Strategy.Codecs.Select(c => costs.For(c.ToString())).ToArray();
        int workers = settings.EffectiveWorkers;
        kits = workers + 2;
        // Shared: the emulator's source and target threads on this machine's cores; separate: each side its own workers.
        sourceCores = new CoreSchedule(settings.SharedHosts ? Environment.ProcessorCount : workers);
        targetCores = settings.SharedHosts ? sourceCores : new CoreSchedule(workers);
        deltaScratch = new byte[PageSize];
        plan = new PagePlan(PageSize, settings.RawAbove);
        lossless = new PagePlan(PageSize, 1);
        keys = new string[candidates.Length][];
        classifiers = new IPageCodec?[candidates.Length];
        contentClasses = new sbyte[]?[candidates.Length];
        classScratch = new byte[PageSize];
        for (int k = 0; k < candidates.Length; k++)
        {
            IPageCodec codec = CodecRegistry.Create(candidates[k].Codec);
            keys[k] = PageCounter.KeysFor(settings.Strategy.Codecs[k], codec);
            if (keys[k].Length > 1)
            {
                classifiers[k] = codec;
                contentClasses[k] = Enumerable.Repeat((sbyte)-1, costs.Classes.Length).ToArray();
            }
            else
            {
                (codec as IDisposable)?.Dispose();
            }
        }

        cache = settings.Strategy.Delta ? new RingLog<(int, int)>((long)PageCache.CapacityFor(spec.Pages, settings.DeltaCachePercent, PageSize) * PageSize) : null;
        if (settings.Strategy.Adaptive)
        {
            selector = Calibrated(spec);
        }
    }

    public long GuestPages { get; }

    public int PageSize { get; }

    public double NowMs { get; private set; }

    public IReadOnlyDictionary<string, long> PageCounts => pageCounts.ByKey;

    public double CompressSeconds { get; private set; }

    public double DecompressSeconds { get; private set; }

    public long GuestWrites => guestWrites;

    /// <summary>The selector starts from the table's prices on the same 256 sample pages the emulator times.</summary>
    private AdaptiveSelector Calibrated(GuestSpec spec)
    {
        int n = (int)Math.Min(256, spec.Pages);
        var c = new double[candidates.Length];
        var d = new double[candidates.Length];
        var b = new double[candidates.Length];
        for (int k = 0; k < candidates.Length; k++)
        {
            for (int i = 0; i < n; i++)
            {
                int id = (int)(i * spec.Pages / n);
                int cls = costs.Classes[id];
                PageFate fate = lossless.Encoded(candidates[k].Size[id]);
                c[k] += candidates[k].CompressNs[cls];
                d[k] += fate.Kind == BatchFrame.KindRaw ? costs.CopyNs : candidates[k].DecompressNs[cls];
                b[k] += fate.Length;
            }

            c[k] /= n;
            d[k] /= n;
            b[k] /= n;
        }

        return new AdaptiveSelector(candidates.Select(x => x.Codec).ToArray(), c, d, b, settings.BandwidthBps, settings.EffectiveWorkers,
            settings.SharedHosts ? Environment.ProcessorCount : null);
    }

    /// <summary>Applies the guest's writes due by <paramref name="ms"/>.</summary>
    private void AdvanceGuest(double ms)
    {
        while (hasNext && !paused && writes.Current.DueMs <= ms)
        {
            GuestWrite w = writes.Current;
            current[w.Page] = w.ContentId;
            dirty.Set(w.Page);
            guestWrites++;
            hasNext = writes.MoveNext();
        }
    }

    public RoundRecord SendRound(int round, long[] pages, bool stopAndCopy)
    {
        double start = NowMs;
        double msPerByte = 8000.0 / settings.BandwidthBps;
        double bufferMs = settings.SendBufferBytes * msPerByte;
        int batchPages = Precopy.BatchPages(pages.Length, settings.BatchPages, settings.EffectiveWorkers);
        int batches = (pages.Length + batchPages - 1) / batchPages;
        var linkEnds = new double[batches];
        long bytes = 0;
        double begin = start;
        if (!dictionarySent && settings.Strategy.NeedsDictionary)
        {
            // The emulator's sending thread builds the dictionary, then sends it ahead of the first frame;
            // the target loads it before it decodes any frame.
            dictionarySent = true;
            begin = sourceCores.Place(start, costs.DictionaryBuildNs / 1e6);
            linkFree = Math.Max(begin, linkFree) + Wire.MessageBytes(costs.DictionaryBytes) * msPerByte;
            bytes += Wire.MessageBytes(costs.DictionaryBytes);
            barrier = targetCores.Place(Math.Max(linkFree + settings.LatencyMs + handOffMs, barrier), costs.DictionaryLoadNs / 1e6);
        }

        double decoded = barrier;
        for (int b = 0; b < batches; b++)
        {
            double ready = b >= kits ? Math.Max(begin, linkEnds[b - kits]) : begin;
            sourceCores.Forget(ready);
            if (!ReferenceEquals(sourceCores, targetCores))
            {
                targetCores.Forget(ready);
            }

            // Contents are those of when the batch is compressed; the guest is advanced to its ready time.
            AdvanceGuest(ready);
            var (frameBytes, compressNs, decompressNs) = Batch(pages.AsSpan(b * batchPages, Math.Min(batchPages, pages.Length - b * batchPages)), b);
            double compressEnd = sourceCores.Place(ready, compressNs / 1e6, out double started);
            if (selector is not null && observed.Pages > 0)
            {
                // The emulator's worker times its build by the clock, from when it starts to when it ends, so
                // the other threads that took its core meanwhile count: the selector learns the same here.
                double wallMs = compressNs > 0 ? (compressEnd - started) * (observed.Ns / compressNs) : 0;
                selector.Observe(observed.Codec, observed.Pages, (long)(wallMs * System.Diagnostics.Stopwatch.Frequency / 1e3), observed.PayloadBytes);
            }

            double linkStart = Math.Max(compressEnd, linkFree);
            linkFree = linkStart + Wire.MessageBytes(frameBytes) * msPerByte;
            // A send buffer takes the frame, and frees its kit, once the rest of the backlog fits in it.
            double accepted = Math.Max(compressEnd, linkFree - bufferMs);
            // The socket's kernel copies take CPU too: the sending half while the frame is on the link,
            // the receiving half before the frame can be decoded.
            double socketNs = frameBytes * costs.SocketNsPerByte / 2;
            sourceCores.Place(linkStart, socketNs / 1e6);
            linkEnds[b] = accepted;
            bytes += Wire.MessageBytes(frameBytes);
            // A frame is decoded once the target's reader has woken to it and handed it to a decoder.
            double decodeEnd = targetCores.Place(Math.Max(linkFree + settings.LatencyMs + 2 * handOffMs, barrier), (decompressNs + socketNs) / 1e6);
            decoded = Math.Max(decoded, decodeEnd);
            CompressSeconds += compressNs / 1e9;
            DecompressSeconds += decompressNs / 1e9;
        }

        // The round's end marker, then the next round's frames apply only after every frame of this one.
        linkFree = Math.Max(linkFree, start) + Wire.MessageBytes(RoundEndMessage.Bytes) * msPerByte;
        bytes += Wire.MessageBytes(RoundEndMessage.Bytes);
        barrier = decoded;
        // The round ends for the source when its last byte is in the send buffer; the rest drains after.
        NowMs = Math.Max(batches > 0 ? linkEnds[^1] : start, linkFree - bufferMs);
        AdvanceGuest(NowMs);
        return new RoundRecord(round, pages.Length, bytes, start, NowMs - start, 0, stopAndCopy);
    }

    /// <summary>One frame: its bytes, and the nanoseconds to build it and to apply it.</summary>
    private (long Bytes, double CompressNs, double DecompressNs) Batch(ReadOnlySpan<long> pages, int batch)
    {
        int k = selector?.Choose() ?? 0;
        CodecCosts codec = candidates[k];
        long bytes = BatchFrame.HeaderBytes(codec.Codec);
        double c = 0, d = 0;
        foreach (long p in pages)
        {
            int id = current[p];
            int cls = costs.Classes[id];
            c += costs.CopyHashNs + codec.CompressNs[cls];
            PageFate encoded = plan.Encoded(codec.Size[id]);
            PageFate fate = encoded;
            if (cache is not null)
            {
                c += costs.CachePutNs;
                int delta = PageCodec.DidNotFit;
                if (cache.TryGet(p, out var old))
                {
                    // A page kept encoded is decoded before the delta can be taken against it.
                    var (oldId, oldCodec) = old.Value;
                    c += costs.DeltaEncodeNs + (oldCodec < 0 ? 0 : candidates[oldCodec].DecompressNs[costs.Classes[oldId]]);
                    delta = XbzrleDelta.Encode(costs.Contents(oldId).Span, costs.Contents(id).Span, deltaScratch.AsSpan(0, plan.DeltaRoom(encoded)));
                }

                // Kept as the source's cache keeps it: the codec's output, before a delta takes its place.
                cache.Append(p, encoded.Length, (id, encoded.Kind == BatchFrame.KindRaw ? -1 : k));
                fate = PagePlan.WithDelta(encoded, delta);
            }

            if (!touched[p])
            {
                touched[p] = true;
                d += costs.FirstTouchNs;
            }

            d += costs.VerifyNs + fate.Kind switch
            {
                BatchFrame.KindRaw => costs.CopyNs,
                BatchFrame.KindDelta => costs.DeltaDecodeNs,
                _ => codec.DecompressNs[cls],
            };
            bytes += fate.RecordBytes;
            pageCounts.Add(fate.Kind switch
            {
                BatchFrame.KindRaw => PageCounter.Raw,
                BatchFrame.KindDelta => PageCounter.Delta,
                _ => CompressedKey(k, id),
            }, 1);
        }

        if (selector is not null)
        {
            // Observed once the batch is placed on the cores (SendRound), at the time it takes there.
            observed = (k, pages.Length, c, bytes - BatchFrame.HeaderBytes(codec.Codec));
            int probe = selector.Explore(batch, k);
            if (probe >= 0)
            {
                CodecCosts other = candidates[probe];
                double pc = 0;
                long pb = 0;
                foreach (long p in pages)
                {
                    int id = current[p];
                    pc += costs.CopyHashNs + other.CompressNs[costs.Classes[id]];
                    pb += lossless.Encoded(other.Size[id]).RecordBytes;
                }

                selector.Observe(probe, pages.Length, (long)(pc * System.Diagnostics.Stopwatch.Frequency / 1e9), pb);
                c += pc;
            }
        }

        return (bytes, c, d);
    }

    /// <summary>The key a page of content <paramref name="id"/> sent by candidate <paramref name="k"/> counts under: by its record's class, told once per content.</summary>
    private string CompressedKey(int k, int id)
    {
        string[] names = keys[k];
        if (contentClasses[k] is not { } told)
        {
            return names[0];
        }

        if (told[id] < 0)
        {
            IPageCodec codec = classifiers[k]!;
            int length = codec.Compress(costs.Contents(id).Span, classScratch);
            told[id] = (sbyte)((IRecordClasses)codec).RecordClass(classScratch.AsSpan(0, length));
        }

        return names[told[id]];
    }

    public void Dispose()
    {
        foreach (IPageCodec? codec in classifiers)
        {
            (codec as IDisposable)?.Dispose();
        }
    }

    public long CountDirty() => dirty.Count();

    public long[] HarvestDirty() => dirty.Harvest();

    /// <summary>
    /// The pause is the migration thread's own step (the emulated guest stops under the lock its writes
    /// hold), so it waits for no core: a delay. When it waited for the guest's thread to wake and end, that
    /// thread needed a core, and the simulator placed the pause on one, behind the last round's backlog.
    /// </summary>
    public void PauseGuest()
    {
        paused = true;
        NowMs += costs.PauseNs / 1e6;
    }

    public double WaitForTarget()
    {
        double msPerByte = 8000.0 / settings.BandwidthBps;
        linkFree = Math.Max(linkFree, NowMs) + Wire.MessageBytes(0) * msPerByte;
        // The target's reader wakes to answer once the last frame is applied, and the source wakes to its answer.
        double done = Math.Max(linkFree + settings.LatencyMs, barrier) + handOffMs + settings.LatencyMs + handOffMs;
        NowMs = done;
        return done;
    }

    /// <summary>Runs one simulated migration.</summary>
    public static MigrationRun Run(GuestSpec spec, MigrationSettings settings, CostTable costs)
    {
        settings.Validate();
        using GuestWorkload workload = spec.MakeWorkload();
        using var engine = new SimulatedMigration(spec, workload, settings, costs);
        PrecopyOutcome outcome = Precopy.Run(engine, IStopRule.Create(settings), settings.ResumeMs, settings.MaxSeconds * 1000);
        return Runs.From(spec, settings, outcome, new EngineFigures(
            "simulated", workload.Describe, engine.GuestWrites, engine.CompressSeconds, engine.DecompressSeconds, engine.PageCounts, Exact: true));
    }
}
