using System.Buffers.Binary;
using Mecom.Codecs;
using Mecom.Codecs.Delta;
using Mecom.Codecs.Framing;
using Mecom.Codecs.General;
using Mecom.Codecs.Hashing;
using Mecom.Harness.Corpus;

namespace Mecom.Fuzz;

/// <summary>
/// One decoder under fuzzing: real inputs to start from, and a run that must end in a documented
/// exception or nothing. Anything else (another exception type, a write outside the output, a hang) is
/// a finding: <see cref="Run"/> throws <see cref="FindingException"/> or lets the unexpected exception out.
/// </summary>
public sealed class Target(string name, Func<IReadOnlyList<byte[]>> seeds, Action<byte[]> run, params Type[] expected)
{
    public string Name { get; } = name;

    public IReadOnlyList<byte[]> Seeds => seedCache ??= seeds();

    private IReadOnlyList<byte[]>? seedCache;

    public void Run(byte[] input)
    {
        try
        {
            run(input);
        }
        catch (Exception e) when (expected.Any(t => t.IsInstanceOfType(e)))
        {
            // Refused with the documented error: what a decoder must do with hostile input.
        }
    }
}

/// <summary>A decoder did something no input may make it do.</summary>
public sealed class FindingException(string message) : Exception(message);

/// <summary>Every decoder and reader that takes bytes from outside.</summary>
public static class Targets
{
    private const int PageSize = 4096;
    private const int Guard = 64;
    private const byte Canary = 0xA5;

    /// <summary>The first pages of the shipped VM and CPython entries, found from the working directory or above.</summary>
    private static readonly Lazy<byte[][]> Pages = new(() =>
    {
        string folder = CorporaFolder();
        var pages = new List<byte[]>();
        foreach (string stem in new[] { "vm-kvstore", "python-sqlite" })
        {
            byte[] image = CorpusEntry.Open(Path.Combine(folder, stem)).ReadAllPages();
            int count = image.Length / PageSize;
            for (int i = 0; i < 64; i++)
            {
                // Evenly spread: zero, same-filled, text, heap and code pages all appear.
                pages.Add(image.AsSpan((int)((long)i * count / 64) * PageSize, PageSize).ToArray());
            }
        }

        return pages.ToArray();
    });

    public static string CorporaFolder()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "corpora");
            if (File.Exists(Path.Combine(candidate, "FORMAT.md")))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("run from inside the repository: the shipped corpora/ folder seeds the fuzzers");
    }

    public static IReadOnlyList<Target> All()
    {
        var list = new List<Target>();
        foreach (CodecInfo info in CodecRegistry.All.Where(c => c.IsAvailable))
        {
            list.Add(CodecTarget(new CodecSpec(info, info.DefaultLevel)));
        }

        list.Add(new Target("xbzrle", DeltaSeeds, DeltaRun, typeof(CorruptPageException)));
        list.Add(new Target("frame", FrameSeeds, FrameRun, typeof(FrameFormatException), typeof(CorruptPageException), typeof(PageMismatchException)));
        list.Add(new Target("trace", TraceSeeds, TraceRun, typeof(CorpusFormatException)));
        list.Add(new Target("corpus", CorpusSeeds, CorpusRun, typeof(CorpusFormatException)));
        list.Add(new Target("batch-stream", BatchStreamSeeds, BatchStreamRun, typeof(CorruptPageException)));
        list.Add(new Target("wire", WireSeeds, WireRun));
        return list;
    }

    public static Target Find(string name) =>
        All().FirstOrDefault(t => t.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"unknown target '{name}'; targets: {string.Join(", ", All().Select(t => t.Name))}");

    /// <summary>What a migration's dictionary would be, from the seed pages; frames and dictionary codecs use it.</summary>
    private static readonly Lazy<string> DictionaryId = new(() => RawDictionary.Register(RawDictionary.Covering(Pages.Value, 16 * PageSize)));

    /// <summary>A codec's decompressor into a page with guard bytes on both sides; a dictionary codec with the seed pages' dictionary.</summary>
    private static Target CodecTarget(CodecSpec spec)
    {
        string name = spec.ToString();
        string codec = spec.NeedsDictionary ? spec.WithDictionary(DictionaryId.Value).ToString() : name;
        var instance = new ThreadLocal<IPageCodec>(() => CodecRegistry.Create(codec));
        var area = new ThreadLocal<byte[]>(() => new byte[PageSize + 2 * Guard]);
        return new Target(name,
            () =>
            {
                IPageCodec c = CodecRegistry.Create(codec);
                byte[] output = new byte[PageSize];
                return Pages.Value.Select(p => c.Compress(p, output) is var n and >= 0 ? output[..n] : []).ToArray();
            },
            input =>
            {
                byte[] buffer = area.Value!;
                buffer.AsSpan().Fill(Canary);
                instance.Value!.Decompress(input, buffer.AsSpan(Guard, PageSize));
                CheckGuards(buffer, codec);
            },
            typeof(CorruptPageException));
    }

    private static void CheckGuards(byte[] buffer, string what)
    {
        if (buffer.AsSpan(0, Guard).ContainsAnyExcept(Canary) || buffer.AsSpan(buffer.Length - Guard).ContainsAnyExcept(Canary))
        {
            throw new FindingException($"{what}: wrote outside its output");
        }
    }

    private static IReadOnlyList<byte[]> DeltaSeeds()
    {
        byte[][] pages = Pages.Value;
        byte[] output = new byte[PageSize];
        var seeds = new List<byte[]>();
        for (int i = 0; i + 1 < pages.Length; i++)
        {
            byte[] changed = (byte[])pages[i].Clone();
            changed[i * 37 % PageSize] ^= 0x5A;
            changed[(i * 911 + 100) % PageSize] += 3;
            foreach (byte[] next in new[] { changed, pages[i + 1] })
            {
                int n = XbzrleDelta.Encode(pages[i], next, output);
                if (n >= 0)
                {
                    seeds.Add(output[..n]);
                }
            }
        }

        return seeds;
    }

    private static readonly ThreadLocal<byte[]> DeltaArea = new(() => new byte[PageSize + 2 * Guard]);

    private static void DeltaRun(byte[] input)
    {
        byte[] buffer = DeltaArea.Value!;
        buffer.AsSpan().Fill(Canary);
        Pages.Value[3].CopyTo(buffer, Guard);
        XbzrleDelta.Decode(input, buffer.AsSpan(Guard, PageSize));
        CheckGuards(buffer, "xbzrle");
    }

    private const int FramePages = 16;

    private static IReadOnlyList<byte[]> FrameSeeds()
    {
        byte[] memory = Pages.Value.Take(FramePages).SelectMany(p => p).ToArray();
        var builder = new FrameBuilder(PageSize, 8);
        var seeds = new List<byte[]>();
        var cache = new PageCache(FramePages);
        foreach (string codec in new[] { "mecom", "wkdm", "lz4", "zstd:1", "raw", "zero", $"mecom+zstd-dict:9@{DictionaryId.Value}" })
        {
            builder.Build(memory, [0, 3, 5, 7, 9, 11, 13, 15], CodecRegistry.Create(codec), cache);
            seeds.Add(builder.Frame.ToArray());
        }

        memory[5 * PageSize + 17] ^= 1;
        builder.Build(memory, [5], CodecRegistry.Create("mecom"), cache);
        seeds.Add(builder.Frame.ToArray()); // a delta record
        return seeds;
    }

    private static readonly ThreadLocal<(BatchDecompressor Decoder, byte[] Area)> FrameState =
        new(() => (new BatchDecompressor(1), new byte[FramePages * PageSize + 2 * Guard]));

    private static void FrameRun(byte[] input)
    {
        var (decoder, area) = FrameState.Value;
        area.AsSpan().Fill(Canary);
        decoder.Decompress(input, area.AsSpan(Guard, FramePages * PageSize));
        CheckGuards(area, "frame");
    }

    private static IReadOnlyList<byte[]> TraceSeeds()
    {
        string folder = CorporaFolder();
        var entry = CorpusEntry.Open(Path.Combine(folder, "python-sqlite"));
        TraceEpoch first = TraceReader.ReadAll(entry).First();
        using var stream = new MemoryStream();
        Span<byte> header = stackalloc byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(header, TraceReader.Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], TraceReader.Version);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], PageSize);
        BinaryPrimitives.WriteUInt64LittleEndian(header[12..], TracePages);
        BinaryPrimitives.WriteUInt32LittleEndian(header[20..], 2);
        stream.Write(header);
        Span<byte> head = stackalloc byte[12];
        Span<byte> index = stackalloc byte[4];
        for (int e = 0; e < 2; e++)
        {
            var indices = first.Indices.Where(i => i < TracePages).Take(4).ToArray();
            BinaryPrimitives.WriteUInt64LittleEndian(head, (ulong)(1000 * (e + 1)));
            BinaryPrimitives.WriteUInt32LittleEndian(head[8..], (uint)indices.Length);
            stream.Write(head);
            foreach (uint i in indices)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(index, i);
                stream.Write(index);
            }

            for (int i = 0; i < indices.Length; i++)
            {
                stream.Write(first.Page(i, PageSize));
            }
        }

        return [stream.ToArray()];
    }

    private const long TracePages = 5616;

    private static void TraceRun(byte[] input)
    {
        using var reader = new TraceReader(new MemoryStream(input, writable: false), "fuzz", PageSize, TracePages);
        while (reader.TryRead(out _))
        {
        }
    }

    private static readonly ThreadLocal<(BatchStream Stream, byte[] Area)> BatchStreamState =
        new(() => (new BatchStream(new Mecom.Codecs.General.ZstdCodec(1), PageSize, FramePages, tags: true), new byte[FramePages * PageSize + 2 * Guard]));

    /// <summary>Whole batches as one zstd stream (<see cref="BatchStream"/>), tagged; the pages are the real ones.</summary>
    private static IReadOnlyList<byte[]> BatchStreamSeeds()
    {
        var stream = new BatchStream(new Mecom.Codecs.General.ZstdCodec(1), PageSize, FramePages, tags: true);
        byte[] output = new byte[stream.MaxOutput(FramePages)];
        var seeds = new List<byte[]>();
        for (int first = 0; first + FramePages <= Pages.Value.Length; first += FramePages)
        {
            byte[] pages = Pages.Value.Skip(first).Take(FramePages).SelectMany(p => p).ToArray();
            seeds.Add(output[..stream.Compress(pages, output)]);
        }

        return seeds;
    }

    private static void BatchStreamRun(byte[] input)
    {
        var (stream, area) = BatchStreamState.Value;
        area.AsSpan().Fill(Canary);
        stream.Decompress(input, area.AsSpan(Guard, FramePages * PageSize));
        CheckGuards(area, "batch-stream");
    }

    private const int CorpusSeedPages = 4;

    /// <summary>
    /// A corpus entry in one input: a flags byte (bit 0: the image is zstd-compressed), the metadata JSON,
    /// a zero byte, then the image. Seeds: each shipped entry's metadata cut to its first pages.
    /// </summary>
    private static IReadOnlyList<byte[]> CorpusSeeds()
    {
        var seeds = new List<byte[]>();
        foreach (CorpusEntry entry in CorpusEntry.Discover(CorporaFolder()))
        {
            string json = System.Text.Json.JsonSerializer.Serialize(entry.Meta with { Pages = CorpusSeedPages }, CorpusMeta.Json);
            byte[] image = entry.ReadAllPages()[..(CorpusSeedPages * entry.PageSize)];
            foreach (bool zstd in new[] { false, true })
            {
                byte[] body = zstd ? new ZstdSharp.Compressor(3).Wrap(image).ToArray() : image;
                seeds.Add([(byte)(zstd ? 1 : 0), .. System.Text.Encoding.UTF8.GetBytes(json), 0, .. body]);
            }
        }

        return seeds;
    }

    private static void CorpusRun(byte[] input)
    {
        if (input.Length == 0)
        {
            return;
        }

        int end = Array.IndexOf(input, (byte)0, 1);
        if (end < 0)
        {
            end = input.Length;
        }

        CorpusMeta meta = CorpusMeta.Parse(System.Text.Encoding.UTF8.GetString(input, 1, end - 1), "fuzz.meta.json");
        var body = new MemoryStream(input, Math.Min(end + 1, input.Length), input.Length - Math.Min(end + 1, input.Length), writable: false);
        using Stream image = (input[0] & 1) != 0 ? new ZstdSharp.DecompressionStream(body, checkEndOfStream: true) : body;
        byte[] pages = CorpusEntry.ReadImage(image, "fuzz.pages", meta.Pages, meta.PageSize);
        if (pages.Length != meta.Pages * meta.PageSize)
        {
            throw new FindingException($"read {pages.Length} bytes for {meta.Pages} pages of {meta.PageSize}");
        }
    }

    /// <summary>A whole migration session as a source would send it, answered by a target with small limits.</summary>
    private static IReadOnlyList<byte[]> WireSeeds()
    {
        using var stream = new MemoryStream();
        Wire.Write(stream, Wire.Auth, new byte[1 + Wire.NonceBytes]);
        Wire.Write(stream, Wire.Hello, HelloMessage.For(PageSize, FramePages, 8, 0, 4).ToPayload());
        foreach (byte[] frame in FrameSeeds().Take(3))
        {
            Wire.Write(stream, Wire.Frame, frame);
        }

        Wire.Write(stream, Wire.RoundEnd, new byte[4]);
        Wire.Write(stream, Wire.Finish, []);
        Wire.Write(stream, Wire.Check, new byte[16]);

        // The same session with the dictionary its last frame's codec names sent first.
        using var withDictionary = new MemoryStream();
        Wire.Write(withDictionary, Wire.Auth, new byte[1 + Wire.NonceBytes]);
        Wire.Write(withDictionary, Wire.Hello, HelloMessage.For(PageSize, FramePages, 8, 0, 1, Wire.DictionaryPayloadBound(RawDictionary.DefaultBytes)).ToPayload());
        Wire.Write(withDictionary, Wire.Dictionary, RawDictionary.Pack(RawDictionary.Get(DictionaryId.Value)));
        Wire.Write(withDictionary, Wire.Frame, FrameSeeds()[^2]);
        Wire.Write(withDictionary, Wire.RoundEnd, new byte[4]);
        Wire.Write(withDictionary, Wire.Finish, []);

        // The hello that wrapped the 32-bit frame limit (32 KiB pages, batches of 65,536) and a 2 GiB claim.
        using var overflow = new MemoryStream();
        Wire.Write(overflow, Wire.Auth, new byte[1 + Wire.NonceBytes]);
        Wire.Write(overflow, Wire.Hello, HelloMessage.For(32768, 1, 65536, 0).ToPayload());
        overflow.Write([Wire.Frame, 0xFF, 0xFF, 0xFF, 0x7F]);
        return [stream.ToArray(), withDictionary.ToArray(), overflow.ToArray()];
    }

    // The target's own limits (batches to 65,536, pages to 64 KiB, frames to 64 MiB) but a 64 MiB guest: a
    // 1 MiB guest in 64-page batches never reached the frame-limit overflow, 2 GiB ones spend the run
    // allocating. Answers wait the latency asked for; 1 ms keeps inputs fast and still tests the bound.
    private static readonly MigrationTarget WireTarget = new(1, new TargetLimits { MaxMemoryBytes = 64 << 20, MaxReplyDelayUs = 1000 });

    private static void WireRun(byte[] input)
    {
        // The target must turn any byte sequence into a report; an exception escaping Serve is a finding.
        TargetReport report = WireTarget.Serve(new ScriptedPeer(input));
        _ = report.Error;
    }

    /// <summary>A peer whose bytes are the input and who discards what the target says.</summary>
    private sealed class ScriptedPeer(byte[] input) : Stream
    {
        private int at;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => input.Length;

        public override long Position { get => at; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int n = Math.Min(buffer.Length, input.Length - at);
            input.AsSpan(at, n).CopyTo(buffer);
            at += n;
            return n;
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
