using System.CommandLine;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Mecom.Harness.Corpus;
using Spectre.Console;

namespace Mecom.Harness.Cli;

/// <summary>
/// <c>mecom corpus capture --pid N</c> or <c>mecom corpus capture -- COMMAND ARGS...</c>: a live process
/// into a corpus entry with a dirty-page trace.
/// </summary>
public static class CaptureCommand
{
    /// <summary>The shell's code for a command ended by SIGINT (128 + 2).</summary>
    public const int Interrupted = 130;

    public static Command Create()
    {
        var pid = new Option<int?>("--pid") { Description = "capture this running process" };
        var output = new Option<string>("--out") { Description = "stem of the entry to write (NAME.pages.zst, NAME.meta.json, NAME.trace.zst)", Required = true };
        var epochs = new Option<int>("--epochs") { Description = "re-read the pages this many times to record what changed", DefaultValueFactory = _ => 5 };
        var interval = new Option<int>("--interval-ms") { Description = "time between snapshots, start to start", DefaultValueFactory = _ => 1000 };
        var warmup = new Option<int>("--warmup-ms") { Description = "with a command: how long it runs before the first snapshot", DefaultValueFactory = _ => 2000 };
        var description = new Option<string?>("--description") { Description = "what the workload was doing (kept in the metadata)" };
        var commandLine = new Argument<string[]>("command") { Description = "after --: the workload to start, with a minimal environment (PATH only)", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("capture", "capture a live process's memory and dirty-page trace into a corpus entry")
        {
            pid, output, epochs, interval, warmup, description, commandLine,
        };
        command.SetAction(r => CliErrors.Guard(() => Run(r.GetValue(pid), r.GetValue(output)!, r.GetValue(epochs), r.GetValue(interval),
            r.GetValue(warmup), r.GetValue(description), r.GetValue(commandLine) ?? [])));
        return command;
    }

    private static int Run(int? pid, string stem, int epochs, int intervalMs, int warmupMs, string? description, string[] commandLine)
    {
        if (pid is null == (commandLine.Length == 0))
        {
            throw new ArgumentException("give either --pid N or a command after --, not both and not neither");
        }

        if (epochs < 0 || intervalMs < 1 || warmupMs < 0)
        {
            throw new ArgumentException("--epochs must be >= 0, --interval-ms >= 1 and --warmup-ms >= 0");
        }

        OutputPaths.CheckWritable(stem + ".meta.json");
        Process? started = null;

        // Ctrl-C or a kill while the process is stopped for a snapshot would end this process before its
        // SIGCONT: turn both into a cancellation the capture unwinds from, resuming the process.
        using var cancel = new CancellationTokenSource();
        void Cancel(PosixSignalContext context)
        {
            context.Cancel = true;
            cancel.Cancel();
        }

        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Cancel);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Cancel);
        try
        {
            int target = pid ?? (started = Start(commandLine)).Id;
            if (started is not null)
            {
                cancel.Token.WaitHandle.WaitOne(warmupMs);
                cancel.Token.ThrowIfCancellationRequested();
                if (started.HasExited)
                {
                    throw new ArgumentException($"the workload exited during the warm-up with code {started.ExitCode}");
                }
            }

            var capture = new ProcessCapture(target);
            string name = Path.GetFileName(stem);
            string what = description ?? (commandLine.Length > 0 ? string.Join(' ', commandLine) : $"process {target}");
            CaptureSummary? summary = null;
            AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask($"reading {capture.Pages:N0} pages x {epochs + 1} snapshots", maxValue: capture.Pages * 4096.0 * (epochs + 1));
                    summary = capture.Capture(stem, name, what, epochs, intervalMs, bytes => task.Value = bytes, cancel.Token);
                });
            AnsiConsole.MarkupLine($"wrote {Markup.Escape(stem)}.pages.zst/.meta.json{(epochs > 0 ? "/.trace.zst" : string.Empty)}: "
                + $"{summary!.Pages:N0} pages in {summary.Regions} regions, {summary.UnreadablePages} unreadable (stored as zeros); "
                + $"dirty pages per epoch: {string.Join(", ", summary.DirtyPerEpoch)}");
            return 0;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            string process = pid is null ? "the workload was ended" : $"process {pid} was resumed";
            Console.Error.WriteLine($"mecom: capture interrupted: {process}, and nothing was written to {stem}.*");
            return Interrupted;
        }
        finally
        {
            if (started is { HasExited: false })
            {
                started.Kill(entireProcessTree: true);
                started.WaitForExit(5000);
            }
        }
    }

    /// <summary>Starts the workload with only PATH in its environment: nothing of ours (no secrets) leaks into the image.</summary>
    private static Process Start(string[] commandLine)
    {
        var info = new ProcessStartInfo(commandLine[0])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (string arg in commandLine.Skip(1))
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment.Clear();
        info.Environment["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        try
        {
            var process = Process.Start(info) ?? throw new ArgumentException($"could not start {commandLine[0]}");
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return process;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new ArgumentException($"could not start {commandLine[0]}: {e.Message}");
        }
    }
}
