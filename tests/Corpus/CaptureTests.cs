using System.Diagnostics;
using Mecom.Harness.Corpus;

namespace Mecom.Tests.Corpus;

/// <summary>Capture a real process the test starts itself, then read what was written.</summary>
public sealed class CaptureTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("mecom-capture-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void Maps_lines_parse_and_only_workload_memory_is_kept()
    {
        Assert.Equal("anon", Mapping.Parse("7f00-7f10 rw-p 00000000 00:00 0", "t").Kind);
        Assert.Equal("anon", Mapping.Parse("5500-5600 rw-p 00000000 00:00 0   [heap]", "t").Kind);
        Assert.Equal("shared-anon", Mapping.Parse("7f00-7f10 rw-s 00000000 00:01 5 /memfd:doublemapper (deleted)", "t").Kind);
        Assert.Equal("file-private-rw", Mapping.Parse("7f00-7f10 rw-p 00001000 08:01 77 /usr/lib/x86_64-linux-gnu/libc.so.6", "t").Kind);
        Assert.Null(Mapping.Parse("7f00-7f10 r-xp 00000000 08:01 77 /usr/lib/x86_64-linux-gnu/libc.so.6", "t").Kind);
        Assert.Null(Mapping.Parse("7ffd-7ffe r--p 00000000 00:00 0 [vvar]", "t").Kind);
        Assert.Null(Mapping.Parse("7f00-7f10 ---p 00000000 00:00 0", "t").Kind);
        Assert.Throws<FormatException>(() => Mapping.Parse("garbage", "t"));
    }

    [Fact]
    public void A_running_shell_loop_is_captured_with_a_trace_that_replays()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "process capture reads /proc: Linux only");
        // A shell that keeps rewriting a variable dirties its heap every epoch.
        var info = new ProcessStartInfo("/bin/sh", ["-c", "i=0; s=x; while :; do i=$((i+1)); s=\"$s$i\"; [ ${#s} -gt 200000 ] && s=x; done"])
        {
            UseShellExecute = false,
        };
        using Process workload = Process.Start(info)!;
        try
        {
            Thread.Sleep(300);
            string stem = Path.Combine(folder, "sh-loop");
            var capture = new ProcessCapture(workload.Id);
            CaptureSummary summary = capture.Capture(stem, "sh-loop", "test loop", epochs: 3, intervalMs: 200, cancel: TestContext.Current.CancellationToken);
            Assert.True(summary.Pages > 10, $"{summary.Pages} pages");
            Assert.Equal(3, summary.DirtyPerEpoch.Count);
            Assert.True(summary.DirtyPerEpoch.Sum() > 0, "a busy loop must dirty pages");

            CorpusEntry entry = CorpusEntry.Open(stem);
            Assert.Equal(summary.Pages, entry.Pages);
            byte[] image = entry.ReadAllPages();
            Assert.Equal(summary.Pages * 4096, image.LongLength);
            var epochs = TraceReader.ReadAll(entry).ToArray();
            Assert.Equal(summary.DirtyPerEpoch, epochs.Select(e => e.Indices.Length));
            foreach (TraceEpoch epoch in epochs)
            {
                for (int i = 0; i < epoch.Indices.Length; i++)
                {
                    // A recorded change is a real change against the state before it.
                    Span<byte> old = image.AsSpan((int)epoch.Indices[i] * 4096, 4096);
                    Assert.False(old.SequenceEqual(epoch.Page(i, 4096)), $"epoch {epoch.Number} records an unchanged page");
                    epoch.Page(i, 4096).CopyTo(old);
                }
            }

            EntryStats stats = CorpusStats.Compute(entry);
            Assert.Equal(summary.Pages, stats.Pages);
            Assert.Equal(summary.DirtyPerEpoch, stats.Epochs.Select(e => e.DirtyPages));
            Assert.Equal(stats.Pages, stats.Classes.Values.Sum());
        }
        finally
        {
            workload.Kill();
            workload.WaitForExit();
        }
    }

    [Fact]
    public void A_missing_process_is_a_clear_error()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "process capture reads /proc: Linux only");
        var e = Assert.Throws<ArgumentException>(() => new ProcessCapture(int.MaxValue - 7));
        Assert.Contains("no process", e.Message);
    }
}
