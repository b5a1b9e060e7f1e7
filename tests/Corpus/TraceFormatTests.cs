using System.Buffers.Binary;
using Mecom.Harness.Corpus;

namespace Mecom.Tests.Corpus;

/// <summary>The trace reader on good and on every kind of malformed trace; errors name file, epoch and offset.</summary>
public sealed class TraceFormatTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("mecom-trace-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private string Write(Action<BinaryWriter> body, string name = "t.trace")
    {
        string path = Path.Combine(folder, name);
        using var writer = new BinaryWriter(File.Create(path));
        body(writer);
        return path;
    }

    private static void Header(BinaryWriter w, uint magic = TraceReader.Magic, uint version = 1, uint pageSize = 4096, ulong pages = 10, uint epochs = 1)
    {
        w.Write(magic);
        w.Write(version);
        w.Write(pageSize);
        w.Write(pages);
        w.Write(epochs);
    }

    private static void Epoch(BinaryWriter w, ulong time, params uint[] indices)
    {
        w.Write(time);
        w.Write((uint)indices.Length);
        foreach (uint i in indices)
        {
            w.Write(i);
        }

        foreach (uint i in indices)
        {
            w.Write(Enumerable.Repeat((byte)i, 4096).ToArray());
        }
    }

    private static CorpusFormatException ReadFails(string path)
    {
        return Assert.Throws<CorpusFormatException>(() =>
        {
            using var reader = new TraceReader(path, 4096, 10);
            while (reader.TryRead(out _))
            {
            }
        });
    }

    [Fact]
    public void Written_epochs_read_back_exactly_plain_and_zstd()
    {
        foreach (string name in new[] { "w.trace", "w.trace.zst" })
        {
            string path = Path.Combine(folder, name);
            using (var writer = new TraceWriter(path, 4096, 10, 2))
            {
                writer.Write(1000, [1, 5], new byte[2 * 4096].Select((_, i) => (byte)(i / 4096 + 1)).ToArray());
                writer.Write(2001, [], []);
            }

            using var reader = new TraceReader(path, 4096, 10);
            Assert.Equal(2, reader.Epochs);
            Assert.True(reader.TryRead(out TraceEpoch? first));
            Assert.Equal((1, 1000L), (first.Number, first.TimeMs));
            Assert.Equal([1u, 5u], first.Indices);
            Assert.Equal(2, first.Page(1, 4096)[4095]);
            Assert.True(reader.TryRead(out TraceEpoch? second));
            Assert.Empty(second.Indices);
            Assert.False(reader.TryRead(out _));
        }
    }

    [Fact]
    public void Bad_magic_is_named_at_offset_0()
    {
        var e = ReadFails(Write(w => Header(w, magic: 0x12345678)));
        Assert.Contains("t.trace: at byte 0: bad magic", e.Message);
    }

    [Fact]
    public void A_page_size_or_count_that_differs_from_the_image_is_refused()
    {
        Assert.Contains("page size 8192 differs", ReadFails(Write(w => Header(w, pageSize: 8192))).Message);
        Assert.Contains("page count 11 differs", ReadFails(Write(w => Header(w, pages: 11))).Message);
    }

    [Fact]
    public void Non_ascending_indices_name_the_epoch_and_offset()
    {
        var e = ReadFails(Write(w =>
        {
            Header(w, epochs: 2);
            Epoch(w, 1000, 1, 2);
            Epoch(w, 2000, 3, 3);
        }));
        // Epoch 2 starts at 24 + (12 + 8 + 8192); its second index at +12 +4.
        long at = 24 + 12 + 8 + 8192 + 12 + 4;
        Assert.Contains($"at byte {at}: epoch 2: page indices are not strictly ascending (3 then 3)", e.Message);
    }

    [Fact]
    public void An_index_beyond_the_image_is_refused()
    {
        Assert.Contains("epoch 1: page index 10 is beyond the image's 10 pages", ReadFails(Write(w =>
        {
            Header(w);
            Epoch(w, 1000, 10);
        })).Message);
    }

    [Fact]
    public void A_truncated_epoch_names_the_epoch_and_where_the_file_ends()
    {
        string good = Write(w =>
        {
            Header(w, epochs: 2);
            Epoch(w, 1000, 1);
            Epoch(w, 2000, 2, 4);
        });
        byte[] bytes = File.ReadAllBytes(good);
        File.WriteAllBytes(good, bytes[..^100]);
        var e = ReadFails(good);
        Assert.Contains("epoch 2's page contents", e.Message);
        Assert.Contains($"at byte {bytes.Length - 100}", e.Message);
    }

    [Fact]
    public void Time_that_does_not_increase_and_missing_or_extra_epochs_are_refused()
    {
        Assert.Contains("time 1000 ms is not after", ReadFails(Write(w =>
        {
            Header(w, epochs: 2);
            Epoch(w, 1000, 1);
            Epoch(w, 1000, 2);
        })).Message);
        Assert.Contains("epoch 2's header", ReadFails(Write(w =>
        {
            Header(w, epochs: 2);
            Epoch(w, 1000, 1);
        })).Message);
        Assert.Contains("data after the last of 1 epochs", ReadFails(Write(w =>
        {
            Header(w, epochs: 1);
            Epoch(w, 1000, 1);
            w.Write((byte)0);
        })).Message);
    }

    [Fact]
    public void A_count_larger_than_the_image_allocates_nothing_and_is_refused()
    {
        var e = ReadFails(Write(w =>
        {
            Header(w);
            w.Write(1000UL);
            w.Write(uint.MaxValue);
        }));
        Assert.Contains("4294967295 changed pages, but the image has only 10", e.Message);
    }

    [Fact]
    public void An_image_of_the_wrong_length_is_refused_with_its_offset()
    {
        string stem = Path.Combine(folder, "img");
        File.WriteAllBytes(stem + ".pages", new byte[3 * 4096 + 100]);
        File.WriteAllText(stem + ".meta.json", "{\"format\":1,\"name\":\"img\",\"pageSize\":4096,\"pages\":4}");
        var e = Assert.Throws<CorpusFormatException>(() => CorpusEntry.Open(stem).ReadAllPages());
        Assert.Contains($"at byte {3 * 4096 + 100}: the image ends after", e.Message);
        File.WriteAllText(stem + ".meta.json", "{\"format\":1,\"name\":\"img\",\"pageSize\":4096,\"pages\":3}");
        Assert.Contains("longer than the 3 pages", Assert.Throws<CorpusFormatException>(() => CorpusEntry.Open(stem).ReadAllPages()).Message);
        File.WriteAllText(stem + ".meta.json", "{\"format\":1,\"pageSize\":3000,\"pages\":3}");
        Assert.Contains("pageSize 3000", Assert.Throws<CorpusFormatException>(() => CorpusEntry.Open(stem)).Message);
        File.WriteAllText(stem + ".meta.json", "{not json");
        Assert.Contains("not valid metadata JSON", Assert.Throws<CorpusFormatException>(() => CorpusEntry.Open(stem)).Message);
    }

    public static TheoryData<string, string> HostileMetadata => new()
    {
        { """{"format":1,"pages":-1}""", "pages -1 is not" },
        { """{"format":1,"pages":9223372036854775807}""", "pages 9223372036854775807 is not" },
        { """{"format":2,"pages":1}""", "format 2 is not supported" },
        { """{"format":1,"pages":1,"trace":{"file":"../../etc/passwd"}}""", "not a plain file name" },
        { """{"format":1,"pages":1,"trace":{"file":"/etc/passwd"}}""", "not a plain file name" },
        { """{"format":1,"pages":1,"trace":{"file":"t","epochs":-3}}""", "must not be negative" },
        { "null", "the metadata is empty" },
    };

    [Theory]
    [MemberData(nameof(HostileMetadata))]
    public void Metadata_no_reader_could_honour_is_refused_by_name(string json, string expected)
    {
        var e = Assert.Throws<CorpusFormatException>(() => CorpusMeta.Parse(json, "x.meta.json"));
        Assert.Contains("x.meta.json", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void The_shared_corpora_traces_read_without_error()
    {
        Support.Corpora.RequireShared();
        foreach (CorpusEntry entry in Support.Corpora.Shared().Where(e => e.TracePath is not null))
        {
            int epochs = 0;
            foreach (TraceEpoch epoch in TraceReader.ReadAll(entry))
            {
                Assert.True(epoch.Indices.Length > 0, $"{entry.Name} epoch {epoch.Number} is empty");
                epochs++;
            }

            Assert.Equal(entry.Meta.Trace!.Epochs, epochs);
        }
    }
}

public sealed class CompressedImageTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("mecom-zst-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void A_truncated_zstd_image_is_a_format_error_not_a_short_image()
    {
        string stem = Path.Combine(folder, "z");
        byte[] pages = new byte[8 * 4096];
        new Random(3).NextBytes(pages);
        using (var zst = new ZstdSharp.CompressionStream(File.Create(stem + ".pages.zst"), 3, 0, leaveOpen: false))
        {
            zst.Write(pages);
        }

        File.WriteAllText(stem + ".meta.json", "{\"format\":1,\"name\":\"z\",\"pageSize\":4096,\"pages\":8}");
        Assert.Equal(pages, CorpusEntry.Open(stem).ReadAllPages());

        byte[] file = File.ReadAllBytes(stem + ".pages.zst");
        File.WriteAllBytes(stem + ".pages.zst", file[..(file.Length / 2)]);
        var e = Assert.Throws<CorpusFormatException>(() => CorpusEntry.Open(stem).ReadAllPages());
        Assert.Contains("z.pages.zst", e.Message);
    }

    [Fact]
    public void Metadata_claiming_gigabytes_over_a_tiny_image_costs_a_small_buffer_not_the_claim()
    {
        // Found by the corpus fuzz target's review: the reader used to allocate pages x pageSize up front.
        string stem = Path.Combine(folder, "big");
        using (var zst = new ZstdSharp.CompressionStream(File.Create(stem + ".pages.zst"), 3, 0, leaveOpen: false))
        {
            zst.Write(new byte[4096]);
        }

        File.WriteAllText(stem + ".meta.json", "{\"format\":1,\"pageSize\":4096,\"pages\":500000}");
        File.WriteAllBytes(stem + ".pages", new byte[4096]);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var raw = Assert.Throws<CorpusFormatException>(() => CorpusEntry.Open(stem).ReadAllPages());
        Assert.Contains("the image ends after 4096 bytes", raw.Message);
        File.Delete(stem + ".pages");
        var zstd = Assert.Throws<CorpusFormatException>(() => CorpusEntry.Open(stem).ReadAllPages());
        Assert.Contains("the image ends after 4096 bytes", zstd.Message);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 64 << 20, $"{allocated:N0} bytes allocated to refuse a 4 KiB image claiming 2 GB");
    }
}
