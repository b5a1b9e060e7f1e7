using Mecom.Harness.Bridge;
using Mecom.Tests.Support;
using ZstdSharp;

namespace Mecom.Tests.Bridge;

/// <summary>The real QEMU 7.2 streams recorded under tests/fixtures/qemu (how: its README.md).</summary>
public static class QemuFixtures
{
    public static string Folder => Path.Combine(Corpora.RepositoryRoot, "tests", "fixtures", "qemu");

    public static IEnumerable<string> Names =>
        Directory.EnumerateFiles(Folder, "*.qemu.zst").Select(p => Path.GetFileName(p)[..^".qemu.zst".Length]).Order();

    public static TheoryData<string> All => new(Names);

    private static readonly Dictionary<string, byte[]> Cache = [];

    public static byte[] Read(string name)
    {
        lock (Cache)
        {
            if (!Cache.TryGetValue(name, out byte[]? bytes))
            {
                using var file = File.OpenRead(Path.Combine(Folder, name + ".qemu.zst"));
                using var zstd = new DecompressionStream(file);
                using var all = new MemoryStream();
                zstd.CopyTo(all);
                Cache[name] = bytes = all.ToArray();
            }

            return bytes;
        }
    }

    /// <summary>Parses and rebuilds a stream; returns the counts and the rebuilt bytes.</summary>
    public static (QemuStreamCounts Counts, byte[] Rebuilt) RoundTrip(byte[] stream, bool strict)
    {
        using var output = new MemoryStream();
        var counts = new QemuStreamParser(new MemoryStream(stream, writable: false), new QemuStreamWriter(output), strict).Run();
        return (counts, output.ToArray());
    }

    /// <summary>Every record's kind, offset and length, in order.</summary>
    public static List<(QemuRecordKind Kind, long Offset, int Length)> Records(byte[] stream)
    {
        var sink = new RecordList();
        new QemuStreamParser(new MemoryStream(stream, writable: false), sink, strict: true).Run();
        return sink.Items;
    }

    private sealed class RecordList : IQemuRecordSink
    {
        private long at;

        public List<(QemuRecordKind, long, int)> Items { get; } = [];

        public void Record(in QemuRecord record)
        {
            Items.Add((record.Kind, at, record.Bytes.Length));
            at += record.Bytes.Length;
        }
    }
}
