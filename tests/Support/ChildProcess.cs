using System.Diagnostics;

namespace Mecom.Tests.Support;

/// <summary>A program the test starts, its output read as it comes so it never blocks on a full pipe.</summary>
public sealed class ChildProcess : IDisposable
{
    private ChildProcess(Process process)
    {
        Process = process;
        Output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        Error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
    }

    public Process Process { get; }

    public Task<string> Output { get; }

    public Task<string> Error { get; }

    public static ChildProcess Start(string file, params string[] args) =>
        new(Process.Start(new ProcessStartInfo(file, args) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true })!);

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
        }

        Process.Dispose();
    }
}
