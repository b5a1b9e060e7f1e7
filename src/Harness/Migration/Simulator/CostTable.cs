using System.Diagnostics;
using Mecom.Codecs;
using Mecom.Codecs.General;
using Mecom.Harness.Measure;

namespace Mecom.Harness.Migration.Simulator;

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
    /// as it fills. The emulator pays it on every page it sends, so a simulation that left it unpriced ran
    /// its delta strategies short of the emulated ones.
    /// </summary>
    public double CachePutNs { get; private set; }

    /// <summary>
    /// CPU nanoseconds per byte carried over a loopback TCP connection, sending and receiving together: the
    /// emulator's link is a real socket whose kernel copies run on the same cores as the codecs, so every
    /// byte sent takes CPU from them, most of all when pages go raw.
    /// </summary>
    public double SocketNsPerByte { get; private set; }

    /// <summary>
    /// Target, the first write to each page of its fresh memory: the kernel's page fault and zeroing, which
    /// a destination without preallocated memory pays during the first round, as the emulator's target does.
    /// </summary>
    public double FirstTouchNs { get; private set; }

    /// <summary>
    /// Stopping the guest: taking the lock its writes hold and signalling its thread, time inside the
    /// downtime that the emulator spends, as a hypervisor spends time pausing its vCPUs.
    /// </summary>
    public double PauseNs { get; private set; }

    /// <summary>
    /// Handing work to a thread blocked waiting for it, from the signal to the thread running. The
    /// emulator's stop-and-copy round passes through such hand-offs on its critical path (the target's
    /// reader woken by a frame, its decoder by the queue, the reader by the last decode, the source by the
    /// target's reply), each invisible in bulk rounds, where the threads are busy, but not in a final round
    /// of a few milliseconds.
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
        if (timed)
        {
            CodecTiming.PerClass(codec, this, passes, saved, compress, decompress);
        }

        (codec as IDisposable)?.Dispose();
        codecs[key] = new CodecCosts(codec.Name, size, compress, decompress);
    }

    private void MeasureFixed(int passes)
    {
        int[] ids = Enumerable.Range(0, Math.Min(Classes.Length, TimedPagesPerClass)).Select(i => (int)((long)i * Classes.Length / Math.Min(Classes.Length, TimedPagesPerClass))).ToArray();
        (CopyHashNs, VerifyNs, CopyNs, DeltaEncodeNs) = CodecTiming.PageWork(this, ids, passes);
        DeltaDecodeNs = CopyNs;

        SocketNsPerByte = MachineCosts.SocketNsPerByte(passes);
        FirstTouchNs = MachineCosts.FirstTouchNs(passes, PageSize);
        PauseNs = MachineCosts.PauseNs(passes, PageSize);
        WakeNs = MachineCosts.WakeNs(passes);

        CachePutNs = CodecTiming.CachePutNs(this, ids, passes);
    }
}
