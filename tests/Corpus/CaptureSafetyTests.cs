using System.Diagnostics;
using Mecom.Harness.Cli;
using Mecom.Harness.Corpus;
using Mecom.Tests.Support;

namespace Mecom.Tests.Corpus;

/// <summary>A capture that is interrupted, or written over an older entry, loses nothing and stops nobody.</summary>
public sealed class CaptureSafetyTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("mecom-capture-safety-").FullName;
    private readonly Process sleeper;

    public CaptureSafetyTests()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "process capture reads /proc: Linux only");
        sleeper = Process.Start(new ProcessStartInfo("sleep", "120") { UseShellExecute = false })!;
    }

    public void Dispose()
    {
        sleeper.Kill();
        sleeper.WaitForExit();
        sleeper.Dispose();
        Directory.Delete(folder, recursive: true);
    }

    /// <summary>The process's state letter from /proc (T: stopped by a signal).</summary>
    private char State() => File.ReadAllText($"/proc/{sleeper.Id}/stat").Split(") ")[1][0];

    [Fact]
    public void A_cancelled_capture_resumes_the_process_and_leaves_no_file()
    {
        string stem = Path.Combine(folder, "cut");
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(400));
        Assert.ThrowsAny<OperationCanceledException>(() =>
            new ProcessCapture(sleeper.Id).Capture(stem, "cut", "cancelled", epochs: 100, intervalMs: 50, cancel: cancel.Token));
        Assert.NotEqual('T', State());
        Assert.Empty(Directory.GetFileSystemEntries(folder));
    }

    [Fact]
    public void A_capture_over_an_older_entry_replaces_all_of_it()
    {
        string stem = Path.Combine(folder, "again");
        new ProcessCapture(sleeper.Id).Capture(stem, "again", "with a trace", epochs: 2, intervalMs: 20, cancel: TestContext.Current.CancellationToken);
        Assert.NotNull(CorpusEntry.Open(stem).TracePath);

        new ProcessCapture(sleeper.Id).Capture(stem, "again", "without", epochs: 0, intervalMs: 20, cancel: TestContext.Current.CancellationToken);
        CorpusEntry entry = CorpusEntry.Open(stem);
        Assert.Null(entry.TracePath);
        Assert.Equal("without", entry.Meta.Description);
        Assert.Equal(["again.meta.json", "again.pages.zst"], Directory.GetFiles(folder).Select(Path.GetFileName).Order());
        Assert.Equal(entry.Pages * entry.PageSize, entry.ReadAllPages().LongLength);
    }

    [Fact]
    public async Task Ctrl_c_during_a_capture_resumes_the_process_and_exits_130()
    {
        // The real signal through the real command: .NET runs no finally blocks on SIGINT by itself.
        string stem = Path.Combine(folder, "interrupted");
        string mecom = typeof(CaptureCommand).Assembly.Location;
        using var child = ChildProcess.Start("dotnet", mecom, "corpus", "capture", "--pid", sleeper.Id.ToString(), "--out", stem, "--epochs", "1000", "--interval-ms", "20");
        Process capture = child.Process;

        // Wait until the capture is under way (its first temporary image file exists), then interrupt it.
        var clock = Stopwatch.StartNew();
        while (Directory.GetFiles(folder).Length == 0 && !capture.HasExited && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            Thread.Sleep(20);
        }

        Assert.False(capture.HasExited, "the capture ended before it could be interrupted");
        Thread.Sleep(200);
        Process.Start("kill", ["-INT", capture.Id.ToString()])!.WaitForExit();
        Assert.True(capture.WaitForExit(20_000), "the capture did not stop after SIGINT");
        Assert.Equal(CaptureCommand.Interrupted, capture.ExitCode);
        Assert.Contains("capture interrupted", await child.Error);
        Assert.NotEqual('T', State());
        Assert.Empty(Directory.GetFileSystemEntries(folder));
    }
}
