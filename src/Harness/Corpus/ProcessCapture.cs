using System.Diagnostics;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;
using ZstdSharp;

namespace Mecom.Harness.Corpus;

/// <summary>How a capture went: what the image holds and how much each epoch changed.</summary>
public sealed record CaptureSummary(long Pages, int Regions, long UnreadablePages, IReadOnlyList<int> DirtyPerEpoch, string Stem);

/// <summary>
/// Captures a live process into a corpus entry: the image of its anonymous, shared-anonymous and
/// written private file pages (read through <c>/proc/PID/mem</c>), then, epoch by epoch, the pages whose
/// contents changed. This kernel offers no soft-dirty bits, so changes are found by content: each page's
/// XXH3 hash against the previous snapshot's. The process is stopped (SIGSTOP) while a snapshot is read,
/// so each snapshot is consistent, and resumed (SIGCONT) right after.
/// </summary>
public sealed class ProcessCapture
{
    private const int PageSize = 4096;
    private const int Chunk = 1 << 20;
    private const int SigStop = 19;
    private const int SigCont = 18;

    private readonly int pid;
    private readonly IReadOnlyList<Mapping> regions;
    private readonly long pages;

    public ProcessCapture(int pid)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("process capture reads /proc and works on Linux only");
        }

        this.pid = pid;
        regions = Mapping.Read(pid).Where(m => m.Kind is not null && m.Length > 0).ToArray();
        pages = regions.Sum(m => (long)(m.Length / PageSize));
        if (pages == 0)
        {
            throw new ArgumentException($"process {pid} has no capturable memory");
        }
    }

    public long Pages => pages;

    /// <param name="progress">Bytes read so far, for a progress bar.</param>
    /// <param name="cancel">
    /// Stops between chunks and between epochs: the process is resumed and nothing is left on disk (a
    /// Ctrl-C that ended the process here would leave it stopped, since SIGINT runs no <c>finally</c>).
    /// </param>
    public CaptureSummary Capture(string stem, string name, string description, int epochs, int intervalMs, Action<long>? progress = null, CancellationToken cancel = default)
    {
        if (epochs < 0 || intervalMs < 1)
        {
            throw new ArgumentException("--epochs must be 0 or more and --interval-ms at least 1");
        }

        using var files = new EntryFiles(stem);
        using SafeFileHandle mem = OpenMemory();
        ulong[] hashes = new ulong[pages];
        byte[] chunk = new byte[Chunk];
        long bytesRead = 0;
        long unreadable = 0;
        var clock = Stopwatch.StartNew();

        using (var image = new CompressionStream(File.Create(files.Pages), 3, 0, leaveOpen: false))
        {
            unreadable = Snapshot(mem, chunk, cancel, (index, page) =>
            {
                hashes[index] = XxHash3.HashToUInt64(page);
                image.Write(page);
                progress?.Invoke(bytesRead += PageSize);
            });
        }

        var dirty = new List<int>();
        if (epochs > 0)
        {
            using var trace = new TraceWriter(files.Trace, PageSize, pages, epochs, zstd: true);
            try
            {
                for (int e = 1; e <= epochs; e++)
                {
                    // Start to start, so epochs keep their interval however long a snapshot takes.
                    TimeSpan due = TimeSpan.FromMilliseconds((long)e * intervalMs) - clock.Elapsed;
                    if (due > TimeSpan.Zero && cancel.WaitHandle.WaitOne(due))
                    {
                        cancel.ThrowIfCancellationRequested();
                    }

                    long timeMs = Math.Max(e, (long)clock.Elapsed.TotalMilliseconds);
                    var indices = new List<uint>();
                    var contents = new MemoryStream();
                    Snapshot(mem, chunk, cancel, (index, page) =>
                    {
                        ulong hash = XxHash3.HashToUInt64(page);
                        if (hash != hashes[index])
                        {
                            hashes[index] = hash;
                            indices.Add((uint)index);
                            contents.Write(page);
                        }

                        progress?.Invoke(bytesRead += PageSize);
                    });
                    trace.Write(timeMs, indices, contents.GetBuffer().AsSpan(0, (int)contents.Length));
                    dirty.Add(indices.Count);
                }
            }
            catch (OperationCanceledException)
            {
                // The epochs the header promised will not all come: closing the trace is not the error.
                trace.Abandon();
                throw;
            }
        }

        long first = 0;
        var meta = new
        {
            format = 1,
            name,
            kind = "process",
            description,
            pageSize = PageSize,
            pages,
            captured = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
            capturedWith = $"mecom corpus capture (pid {pid}, {epochs} epochs of {intervalMs} ms, content comparison, SIGSTOP while reading)",
            regions = regions.Select(r =>
            {
                long count = (long)(r.Length / PageSize);
                var region = new { firstPage = first, pages = count, kind = r.Kind, perms = r.Perms, label = r.Path, start = $"0x{r.Start:x}" };
                first += count;
                return region;
            }).ToArray(),
            trace = epochs > 0 ? new { file = Path.GetFileName(stem) + ".trace", epochs, intervalMs } : null,
        };
        files.Commit(meta);
        return new CaptureSummary(pages, regions.Count, unreadable, dirty, stem);
    }

    private SafeFileHandle OpenMemory()
    {
        try
        {
            return File.OpenHandle($"/proc/{pid}/mem", FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new UnauthorizedAccessException($"cannot read /proc/{pid}/mem: run as root or as the process's owner with ptrace allowed ({e.Message})", e);
        }
    }

    /// <summary>Reads every page of every region, in order, with the process stopped; returns unreadable pages.</summary>
    private long Snapshot(SafeFileHandle mem, byte[] chunk, CancellationToken cancel, Action<long, ReadOnlySpan<byte>> page)
    {
        long unreadable = 0;
        Signal(SigStop);
        try
        {
            long index = 0;
            foreach (Mapping region in regions)
            {
                for (ulong at = region.Start; at < region.End; at += Chunk)
                {
                    cancel.ThrowIfCancellationRequested();
                    int length = (int)Math.Min(Chunk, region.End - at);
                    if (!TryRead(mem, chunk.AsSpan(0, length), at))
                    {
                        // Page by page: a guard page or an unmapped hole reads as zeros, not as an error.
                        for (int p = 0; p < length; p += PageSize)
                        {
                            if (!TryRead(mem, chunk.AsSpan(p, PageSize), at + (ulong)p))
                            {
                                chunk.AsSpan(p, PageSize).Clear();
                                unreadable++;
                            }
                        }
                    }

                    for (int p = 0; p < length; p += PageSize)
                    {
                        page(index++, chunk.AsSpan(p, PageSize));
                    }
                }
            }
        }
        finally
        {
            Signal(SigCont);
        }

        return unreadable;
    }

    private static bool TryRead(SafeFileHandle mem, Span<byte> buffer, ulong address)
    {
        try
        {
            int total = 0;
            while (total < buffer.Length)
            {
                int read = RandomAccess.Read(mem, buffer[total..], (long)address + total);
                if (read <= 0)
                {
                    return false;
                }

                total += read;
            }

            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private void Signal(int signal)
    {
        if (Kill(pid, signal) != 0)
        {
            throw new InvalidOperationException($"process {pid} can no longer be signalled (it exited?)");
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
