using System.Diagnostics;
using Mecom.Codecs;
using Mecom.Codecs.Delta;
using Mecom.Codecs.General;
using Mecom.Codecs.Hashing;
using Mecom.Harness.Measure;

namespace Mecom.Harness.Migration.Simulator;

/// <summary>What one codec costs on a guest's pages: exact sizes per page, times per page class.</summary>
/// <param name="Codec">Canonical codec name.</param>
/// <param name="Size">Compressed bytes per content id; <see cref="PageCodec.DidNotFit"/> when it does not shrink.</param>
/// <param name="CompressNs">Mean nanoseconds per page, by <see cref="PageClass"/>.</param>
/// <param name="DecompressNs">Mean nanoseconds per page, by <see cref="PageClass"/>.</param>
public sealed record CodecCosts(string Codec, int[] Size, double[] CompressNs, double[] DecompressNs);

/// <summary>
/// The simulator's price list, measured once per guest: every codec's exact output size on every page the
/// migration can send (the image's and the trace's), and its speed per page class (timed in bulk over up
/// to <see cref="TimedPagesPerClass"/> pages of each class, median of passes), plus the fixed costs every
/// page pays on each side (copy and hash; verify).
/// </summary>
public sealed class CostTable
{
    public const int TimedPagesPerClass = 2000;

    private readonly Dictionary<string, CodecCosts> codecs = new(StringComparer.Ordinal);

    private CostTable(int pageSize, byte[] classes, Func<int, ReadOnlyMemory<byte>> contents)
    {
        PageSize = pageSize;
        Classes = classes;
        Contents = contents;
    }

    public int PageSize { get; }

    /// <summary><see cref="PageClass"/> per content id.</summary>
    public byte[] Classes { get; }

    public Func<int, ReadOnlyMemory<byte>> Contents { get; }

    /// <summary>Source, every page: copy out of guest memory and XXH3.</summary>
    public double CopyHashNs { get; private set; }

    /// <summary>Target, every page: XXH3 to verify.</summary>
    public double VerifyNs { get; private set; }

    /// <summary>A page copy (a raw record's decode).</summary>
    public double CopyNs { get; private set; }

    /// <summary>XBZRLE encode and decode of a re-sent page, mean over sample pairs.</summary>
    public double DeltaEncodeNs { get; private set; }

    public double DeltaDecodeNs { get; private set; }

    /// <summary>
    /// Source, every page a delta strategy sends: the lookup and the copy into the old-page cache, evicting
    /// as it fills (unpriced, the emulator's mecom+delta ran about 60 ms longer than the simulated one over
    /// a 128 MiB first round at 1 Gbit/s).
    /// </summary>
    public double CachePutNs { get; private set; }

    /// <summary>
    /// CPU nanoseconds per byte carried over a loopback TCP connection, sending and receiving together: the
    /// emulator's link is a real socket whose kernel copies run on the same cores as the codecs (0.7-1.2 ns
    /// per byte here, so 128 MiB sent raw cost more CPU than hashing it twice).
    /// </summary>
    public double SocketNsPerByte { get; private set; }

    /// <summary>
    /// Target, the first write to each page of its fresh memory: the kernel's page fault and zeroing (about
    /// 3 us a page here: 100 ms of CPU for a 128 MiB guest, which a destination without preallocated
    /// memory pays during the first round, as the emulator's target does).
    /// </summary>
    public double FirstTouchNs { get; private set; }

    /// <summary>
    /// Stopping the guest: taking the lock its writes hold and signalling its thread (15-45 us here), time
    /// inside the downtime that the emulator spends, as a hypervisor spends time pausing its vCPUs.
    /// </summary>
    public double PauseNs { get; private set; }

    /// <summary>
    /// Handing work to a thread blocked waiting for it, from the signal to the thread running (40-100 us
    /// here for a thread idle a few milliseconds, with a tail to 1 ms). The emulator's stop-and-copy round
    /// passes through such hand-offs on its critical path (the target's reader woken by a frame, its decoder
    /// by the queue, the reader by the last decode, the source by the target's reply), each invisible in
    /// bulk rounds, where the threads are busy, but not in a round of 1-3 ms.
    /// </summary>
    public double WakeNs { get; private set; }

    public IReadOnlyCollection<string> Codecs => codecs.Keys;

    /// <summary>The id of the dictionary the <c>zstd-dict</c> codecs were measured with, or null.</summary>
    public string? DictionaryId { get; private set; }

    /// <summary>The dictionary's bytes on the wire, as the emulator sends it before round 0's first frame.</summary>
    public int DictionaryBytes { get; private set; }

    /// <summary>Building and packing the dictionary from the guest's memory, on the source, once.</summary>
    public double DictionaryBuildNs { get; private set; }

    /// <summary>Unpacking and registering it, on the target, before any frame can be decoded.</summary>
    public double DictionaryLoadNs { get; private set; }

    /// <summary>
    /// The same sizes with every CPU cost zero: what-if the processors were free, leaving only the link
    /// (and the analytic pre-copy model's assumptions).
    /// </summary>
    public CostTable FreeCpu()
    {
        var free = new CostTable(PageSize, Classes, Contents) { DictionaryId = DictionaryId, DictionaryBytes = DictionaryBytes };
        foreach (var (name, c) in codecs)
        {
            free.codecs[name] = c with { CompressNs = new double[c.CompressNs.Length], DecompressNs = new double[c.DecompressNs.Length] };
        }

        return free;
    }

    /// <summary>A measured codec's costs, by any name the registry accepts (<c>mecom</c> is <c>mecom:0</c>).</summary>
    public CodecCosts For(string codec) => codecs.TryGetValue(CodecRegistry.Parse(codec).ToString(), out CodecCosts? c)
        ? c : throw new ArgumentException($"codec '{codec}' was not measured for this simulation");

    /// <summary>
    /// Measures <paramref name="codecNames"/> on every content of <paramref name="workload"/>. With
    /// <paramref name="speeds"/> (a saved <c>mecom codecs --json</c>), a codec found there takes its per-class
    /// medians from the file instead of being timed here; sizes are always exact.
    /// </summary>
    /// <param name="timed">False: sizes only, every CPU cost zero (<see cref="FreeCpu"/>): deterministic, and quick.</param>
    /// <param name="image">The guest's memory at migration start: the dictionary of a <c>zstd-dict</c> codec is built from it.</param>
    public static CostTable Measure(GuestWorkload workload, int pageSize, IEnumerable<string> codecNames, int passes = 3, Action<string>? progress = null, ComparisonResult? speeds = null, bool timed = true, byte[]? image = null)
    {
        int count = workload.ContentCount;
        byte[] classes = new byte[count];
        for (int id = 0; id < count; id++)
        {
            classes[id] = (byte)PageClassifier.Classify(workload.Contents(id).Span);
        }

        var table = new CostTable(pageSize, classes, workload.Contents);
        if (timed)
        {
            table.MeasureFixed(passes);
        }

        foreach (CodecSpec spec in codecNames.Select(CodecRegistry.Parse).DistinctBy(s => s.ToString()))
        {
            string name = spec.ToString();
            progress?.Invoke(name);
            string make = name;
            if (spec.NeedsDictionary)
            {
                table.BuildDictionary(image ?? throw new ArgumentException($"codec '{name}' needs the guest's image to build its dictionary from"), timed);
                make = spec.WithDictionary(table.DictionaryId!).ToString();
            }

            table.Add(make, passes, speeds?.Results.FirstOrDefault(r => r.Codec == name && r.ByClass is not null), timed, key: name);
        }

        return table;
    }

    /// <summary>The emulator's dictionary: built from the image as its source builds it from guest memory, priced once.</summary>
    private void BuildDictionary(byte[] image, bool timed)
    {
        if (DictionaryId is not null)
        {
            return;
        }

        long start = Stopwatch.GetTimestamp();
        (string id, byte[] packed) = RawDictionary.Prepare(image, PageSize);
        double buildNs = Stopwatch.GetElapsedTime(start).TotalNanoseconds;
        start = Stopwatch.GetTimestamp();
        RawDictionary.Register(RawDictionary.Unpack(packed));
        double loadNs = Stopwatch.GetElapsedTime(start).TotalNanoseconds;
        DictionaryId = id;
        DictionaryBytes = packed.Length;
        DictionaryBuildNs = timed ? buildNs : 0;
        DictionaryLoadNs = timed ? loadNs : 0;
    }

    /// <summary>Adds (or replaces) a codec's costs; for the tuner, which prices many selector settings.</summary>
    /// <param name="key">The name it is priced under (default: <paramref name="name"/>'s canonical form); a
    /// dictionary codec is made by its bound name and priced under the one the strategy names.</param>
    public void Add(string name, int passes = 3, CodecRow? saved = null, bool timed = true, string? key = null)
    {
        key ??= CodecRegistry.Parse(name).ToString();
        IPageCodec codec = CodecRegistry.Create(name);
        int count = Classes.Length;
        int[] size = new int[count];
        byte[] output = new byte[PageSize];
        for (int id = 0; id < count; id++)
        {
            size[id] = codec.Compress(Contents(id).Span, output);
        }

        double[] compress = new double[PageClassifier.All.Count];
        double[] decompress = new double[PageClassifier.All.Count];
        if (!timed)
        {
            (codec as IDisposable)?.Dispose();
            codecs[key] = new CodecCosts(codec.Name, size, compress, decompress);
            return;
        }

        byte[] page = new byte[PageSize];
        WarmUp(() =>
        {
            foreach (int id in Sample(PageClass.Other).Concat(Sample(PageClass.WkdmFriendly)).Take(256))
            {
                int n = codec.Compress(Contents(id).Span, output);
                if (n >= 0)
                {
                    codec.Decompress(output.AsSpan(0, n), page);
                }
            }
        });
        foreach (PageClass c in PageClassifier.All)
        {
            if (saved?.ByClass?.GetValueOrDefault(PageClassifier.Key(c)) is { } row && row.CompressMBps.Median > 0)
            {
                compress[(int)c] = PageSize / row.CompressMBps.Median * 1e3;
                decompress[(int)c] = PageSize / row.DecompressMBps.Median * 1e3;
                continue;
            }

            int[] ids = Sample(c);
            if (ids.Length == 0)
            {
                continue;
            }

            byte[][] compressed = ids.Select(id => Compressed(codec, Contents(id).Span)).ToArray();
            compress[(int)c] = MedianNs(passes, ids.Length, () =>
            {
                foreach (int id in ids)
                {
                    codec.Compress(Contents(id).Span, output);
                }
            });
            // Pages that did not fit go raw (the target copies them, CopyNs): the mean is over the pages decoded.
            int decoded = compressed.Count(z => z.Length > 0);
            decompress[(int)c] = decoded == 0 ? 0 : MedianNs(passes, decoded, () =>
            {
                foreach (byte[] z in compressed)
                {
                    if (z.Length == 0)
                    {
                        continue;
                    }

                    codec.Decompress(z, page);
                }
            });
        }

        (codec as IDisposable)?.Dispose();
        codecs[key] = new CodecCosts(codec.Name, size, compress, decompress);
    }

    private static byte[] Compressed(IPageCodec codec, ReadOnlySpan<byte> page)
    {
        byte[] output = new byte[page.Length];
        int n = codec.Compress(page, output);
        return n < 0 ? [] : output[..n];
    }

    private int[] Sample(PageClass c)
    {
        var ids = new List<int>();
        for (int id = 0; id < Classes.Length; id++)
        {
            if (Classes[id] == (byte)c)
            {
                ids.Add(id);
            }
        }

        // Evenly spaced, so a class's pages from all over the image are timed, not its first few.
        int n = Math.Min(ids.Count, TimedPagesPerClass);
        return Enumerable.Range(0, n).Select(i => ids[(int)((long)i * ids.Count / n)]).ToArray();
    }

    private void MeasureFixed(int passes)
    {
        int[] ids = Enumerable.Range(0, Math.Min(Classes.Length, TimedPagesPerClass)).Select(i => (int)((long)i * Classes.Length / Math.Min(Classes.Length, TimedPagesPerClass))).ToArray();
        byte[] page = new byte[PageSize];
        byte[] delta = new byte[PageSize];
        WarmUp(() =>
        {
            foreach (int id in ids)
            {
                Contents(id).Span.CopyTo(page);
                PageHash.Of(page, id);
                XbzrleDelta.Encode(page, Contents(ids[0]).Span, delta);
            }
        });
        CopyHashNs = MedianNs(passes, ids.Length, () =>
        {
            foreach (int id in ids)
            {
                Contents(id).Span.CopyTo(page);
                PageHash.Of(page, id);
            }
        });
        VerifyNs = MedianNs(passes, ids.Length, () =>
        {
            foreach (int id in ids)
            {
                PageHash.Of(Contents(id).Span, id);
            }
        });
        CopyNs = MedianNs(passes, ids.Length, () =>
        {
            foreach (int id in ids)
            {
                Contents(id).Span.CopyTo(page);
            }
        });

        // Deltas between neighbouring pages stand for a page and its next version: their cost, not their size, is used.
        var lengths = new int[ids.Length];
        DeltaEncodeNs = MedianNs(passes, ids.Length, () =>
        {
            for (int i = 0; i < ids.Length; i++)
            {
                lengths[i] = XbzrleDelta.Encode(Contents(ids[i]).Span, Contents(ids[(i + 1) % ids.Length]).Span, delta);
            }
        });
        DeltaDecodeNs = CopyNs;

        SocketNsPerByte = MeasureSocket(passes);
        FirstTouchNs = MeasureFirstTouch(passes, PageSize);
        PauseNs = MeasurePause(passes);
        WakeNs = MeasureWake(passes);

        // A cache of 32 MiB at 4 KiB pages (a quarter of a 128 MiB guest, the default share), so the copies
        // land in memory as they do in a migration, not in a cache small enough to stay in the CPU's caches.
        // Pages are kept as the sender's codec encoded them; mecom's output stands for it (a hit's decode is
        // priced apart, at that codec's decompress price).
        using var cache = new Mecom.Codecs.Delta.PageCache(Math.Max(1, (32 << 20) / PageSize), PageSize);
        IPageCodec keeper = CodecRegistry.Create("mecom");
        byte[][] kept = ids.Select(id => Compressed(keeper, Contents(id).Span)).ToArray();
        long next = 0;
        CachePutNs = MedianNs(passes, ids.Length, () =>
        {
            for (int i = 0; i < ids.Length; i++)
            {
                long page = next++;
                cache.TryGet(page, out _);
                cache.Put(page, Contents(ids[i]).Span, kept[i], keeper);
            }
        });
        (keeper as IDisposable)?.Dispose();
    }

    /// <summary>How long <see cref="GuestWorkload.Pause"/> takes on a guest writing a page every 5 ms, between writes.</summary>
    private double MeasurePause(int passes)
    {
        var samples = new double[passes];
        byte[] image = new byte[8 * PageSize];
        for (int p = 0; p < passes; p++)
        {
            using var guest = new StripeEditWorkload(image, PageSize, rate: 200, stride: 1);
            guest.Start(new GuestMemory(image.ToArray(), PageSize));
            Thread.Sleep(2);
            long t0 = Stopwatch.GetTimestamp();
            guest.Pause();
            samples[p] = (Stopwatch.GetTimestamp() - t0) * 1e9 / Stopwatch.Frequency;
        }

        return Statistics.Median(samples);
    }

    /// <summary>One-way hand-off to a thread blocked on a monitor after idling 2 ms, the signalling thread busy: median of 7 per pass.</summary>
    private static double MeasureWake(int passes)
    {
        int n = 7 * Math.Max(1, passes);
        var samples = new double[n];
        var gate = new object();
        bool signalled = false;
        long sentAt = 0;
        var waiter = new Thread(() =>
        {
            for (int i = 0; i < n; i++)
            {
                lock (gate)
                {
                    while (!signalled)
                    {
                        Monitor.Wait(gate);
                    }

                    samples[i] = (Stopwatch.GetTimestamp() - sentAt) * 1e9 / Stopwatch.Frequency;
                    signalled = false;
                    Monitor.PulseAll(gate);
                }
            }
        }) { IsBackground = true };
        waiter.Start();
        for (int i = 0; i < n; i++)
        {
            // Busy, as the sender is between rounds, while the other thread idles in its wait.
            long until = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 500;
            while (Stopwatch.GetTimestamp() < until)
            {
            }

            lock (gate)
            {
                sentAt = Stopwatch.GetTimestamp();
                signalled = true;
                Monitor.PulseAll(gate);
                while (signalled)
                {
                    Monitor.Wait(gate);
                }
            }
        }

        waiter.Join();
        return Statistics.Median(samples);
    }

    /// <summary>
    /// Nanoseconds per page for the first write to freshly mapped memory, less a write to memory already
    /// mapped. 48 MiB per pass: above glibc's largest mmap threshold, so every pass gets new pages from the kernel.
    /// </summary>
    private static unsafe double MeasureFirstTouch(int passes, int pageSize)
    {
        const int Bytes = 48 << 20;
        int pages = Bytes / pageSize;
        var samples = new double[passes];
        for (int p = 0; p < passes; p++)
        {
            byte* memory = (byte*)System.Runtime.InteropServices.NativeMemory.Alloc(Bytes);
            try
            {
                long t0 = Stopwatch.GetTimestamp();
                for (int i = 0; i < pages; i++)
                {
                    new Span<byte>(memory + (long)i * pageSize, pageSize).Fill(1);
                }

                long t1 = Stopwatch.GetTimestamp();
                for (int i = 0; i < pages; i++)
                {
                    new Span<byte>(memory + (long)i * pageSize, pageSize).Fill(2);
                }

                long t2 = Stopwatch.GetTimestamp();
                samples[p] = Math.Max(0, (t1 - t0) - (t2 - t1)) * 1e9 / Stopwatch.Frequency / pages;
            }
            finally
            {
                System.Runtime.InteropServices.NativeMemory.Free(memory);
            }
        }

        return Statistics.Median(samples);
    }

    /// <summary>Process CPU per byte pushed through a loopback connection by one thread and read by another.</summary>
    private static double MeasureSocket(int passes)
    {
        const int Bytes = 16 << 20;
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        using var client = new System.Net.Sockets.TcpClient { NoDelay = true };
        client.Connect((System.Net.IPEndPoint)listener.LocalEndpoint);
        using System.Net.Sockets.TcpClient accepted = listener.AcceptTcpClient();
        System.Net.Sockets.NetworkStream send = client.GetStream();
        System.Net.Sockets.NetworkStream receive = accepted.GetStream();
        byte[] chunk = new byte[128 * 1024];
        var samples = new double[passes + 1];
        using var process = Process.GetCurrentProcess();
        for (int p = 0; p <= passes; p++)
        {
            process.Refresh();
            TimeSpan before = process.TotalProcessorTime;
            var reader = Task.Factory.StartNew(() =>
            {
                byte[] buffer = new byte[1 << 20];
                for (int got = 0; got < Bytes;)
                {
                    int n = receive.Read(buffer);
                    got += n > 0 ? n : throw new IOException("loopback connection closed while measuring");
                }
            }, TaskCreationOptions.LongRunning);
            for (int sent = 0; sent < Bytes; sent += chunk.Length)
            {
                send.Write(chunk);
            }

            reader.Wait();
            process.Refresh();
            samples[p] = (process.TotalProcessorTime - before).TotalMilliseconds * 1e6 / Bytes;
        }

        // The first pass warms the connection up (windows, buffers); the median of the rest.
        return Statistics.Median(samples[1..]);
    }

    /// <summary>
    /// Runs <paramref name="pass"/> for at least 0.3 s: the runtime compiles methods first without
    /// optimisation and replaces them after some calls and a delay; prices taken before that would be 10x off.
    /// </summary>
    private static void WarmUp(Action pass)
    {
        var clock = Stopwatch.StartNew();
        do
        {
            pass();
        }
        while (clock.Elapsed.TotalSeconds < 0.3);
    }

    private static double MedianNs(int passes, int pages, Action pass)
    {
        pass(); // warm-up
        double[] samples = new double[passes];
        for (int p = 0; p < passes; p++)
        {
            long t0 = Stopwatch.GetTimestamp();
            pass();
            samples[p] = (Stopwatch.GetTimestamp() - t0) * 1e9 / Stopwatch.Frequency / Math.Max(1, pages);
        }

        return Statistics.Median(samples);
    }
}
