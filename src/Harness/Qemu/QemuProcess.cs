using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Mecom.Harness.Qemu;

/// <summary>
/// One QEMU process of a migration: an x86 pc guest on one vCPU, its serial console in a file watched line
/// by line, its QMP socket, and the CPU time it has used.
/// </summary>
internal sealed class QemuProcess : IDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();

    private QemuProcess(Process process, string name, string console, string qmpPath)
    {
        this.process = process;
        Name = name;
        Console = new ConsoleWatcher(console);
        QmpPath = qmpPath;
    }

    public string Name { get; }

    public ConsoleWatcher Console { get; }

    public string QmpPath { get; }

    public QmpClient? Qmp { get; private set; }

    /// <summary>
    /// Starts QEMU on <paramref name="guest"/> (the target with <c>-incoming defer</c>, so capabilities can be
    /// set before it listens) and connects to its QMP socket.
    /// </summary>
    public static QemuProcess Start(string qemu, string dir, string name, GuestImage guest, int ramMib, string accel, bool incoming)
    {
        string console = Path.Combine(dir, name + ".console");
        string qmp = Path.Combine(dir, name + ".qmp");
        File.Delete(console);
        File.Delete(qmp);
        var info = new ProcessStartInfo(qemu) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        string[] args =
        [
            "-accel", accel, "-machine", "pc", "-cpu", accel == "kvm" ? "host" : "qemu64", "-smp", "1", "-m", ramMib.ToString(CultureInfo.InvariantCulture),
            "-nographic", "-monitor", "none", "-nic", "none", "-serial", "file:" + console, "-qmp", $"unix:{qmp},server=on,wait=off",
        ];
        foreach (string a in args.Concat(guest.BootArguments).Concat(incoming ? ["-incoming", "defer"] : []))
        {
            info.ArgumentList.Add(a);
        }

        Process p = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {qemu}");
        p.StandardInput.Close();
        var started = new QemuProcess(p, name, console, qmp);
        p.OutputDataReceived += (_, e) => started.Keep(e.Data);
        p.ErrorDataReceived += (_, e) => started.Keep(e.Data);
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        var clock = Stopwatch.StartNew();
        while (!File.Exists(qmp))
        {
            if (p.HasExited || clock.Elapsed > TimeSpan.FromSeconds(20))
            {
                string why = started.Output();
                started.Dispose();
                throw new InvalidOperationException($"the {name} QEMU {(p.HasExited ? $"exited ({p.ExitCode})" : "opened no QMP socket in 20 s")}: {why}");
            }

            Thread.Sleep(50);
        }

        started.Qmp = new QmpClient(qmp);
        return started;
    }

    private void Keep(string? line)
    {
        if (line is not null)
        {
            lock (output)
            {
                output.AppendLine(line);
            }
        }
    }

    /// <summary>What QEMU printed (its errors), on one line.</summary>
    public string Output()
    {
        lock (output)
        {
            string text = output.ToString().Trim().Replace('\n', ' ');
            return text.Length == 0 ? "(nothing printed)" : text[..Math.Min(text.Length, 400)];
        }
    }

    public bool HasExited => process.HasExited;

    /// <summary>User and system CPU seconds so far (from /proc; 0 where there is none).</summary>
    public double CpuSeconds()
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{process.Id}/stat");
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // Fields 14 and 15 of stat (utime, stime), counted from the state field (3): clock ticks of 1/100 s.
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return 0;
        }
    }

    public void Dispose()
    {
        Console.Dispose();
        Qmp?.Dispose();
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
        }

        process.Dispose();
    }
}

/// <summary>A guest's serial console, read as it grows: every complete line with the host time it was seen.</summary>
internal sealed class ConsoleWatcher : IDisposable
{
    private readonly string path;
    private readonly List<(DateTimeOffset Seen, string Line)> lines = [];
    private readonly Timer timer;
    private long read;
    private string partial = "";

    public ConsoleWatcher(string path)
    {
        this.path = path;
        timer = new Timer(_ => Poll(), null, 0, 20);
    }

    public IReadOnlyList<(DateTimeOffset Seen, string Line)> Lines
    {
        get
        {
            Poll();
            lock (lines)
            {
                return lines.ToArray();
            }
        }
    }

    /// <summary>Waits for a line containing <paramref name="text"/>; false when <paramref name="timeout"/> passes first.</summary>
    public bool WaitFor(string text, TimeSpan timeout, Func<bool>? failed = null) =>
        WaitFor(l => l.Line.Contains(text, StringComparison.Ordinal), timeout, failed);

    /// <summary>Waits for a line that <paramref name="match"/> accepts; false when <paramref name="timeout"/> passes first.</summary>
    public bool WaitFor(Func<(DateTimeOffset Seen, string Line), bool> match, TimeSpan timeout, Func<bool>? failed = null)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (Lines.Any(match))
            {
                return true;
            }

            if (failed?.Invoke() == true)
            {
                return false;
            }

            Thread.Sleep(100);
        }

        return false;
    }

    private void Poll()
    {
        lock (lines)
        {
            try
            {
                using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                if (file.Length <= read)
                {
                    return;
                }

                file.Position = read;
                byte[] chunk = new byte[file.Length - read];
                file.ReadExactly(chunk);
                read += chunk.Length;
                string text = partial + Encoding.UTF8.GetString(chunk).Replace("\r", "", StringComparison.Ordinal);
                string[] parts = text.Split('\n');
                DateTimeOffset now = DateTimeOffset.UtcNow;
                foreach (string line in parts[..^1])
                {
                    lines.Add((now, line));
                }

                partial = parts[^1];
            }
            catch (IOException)
            {
                // Not created yet, or QEMU is writing: the next poll reads it.
            }
        }
    }

    public void Dispose() => timer.Dispose();
}
