using System.Diagnostics;
using Mecom.Harness.Qemu;

namespace Mecom.Harness.Corpus;

/// <summary>
/// A running QEMU guest captured over QMP into a corpus entry with a trace: full guest-physical dumps
/// (<c>stop</c>, <c>pmemsave</c>, <c>cont</c>) at fixed intervals of guest run time, converted and verified
/// by <see cref="DumpConverter"/>. Used by <c>corpus capture-vm</c> and <c>qemu-migrate --capture</c>.
/// </summary>
public static class VmCapture
{
    /// <summary>Writes the entry <paramref name="stem"/>; returns the dirty pages of each epoch.</summary>
    public static IReadOnlyList<int> Capture(QmpClient qmp, int ramMib, string stem, int epochs, int intervalMs, string description, string capturedWith, Action<string>? log = null)
    {
        string dir = Path.GetFullPath(stem + ".dumps");
        Directory.CreateDirectory(dir);
        var dumps = new List<string>();
        var times = new List<long>();
        try
        {
            long bytes = (long)ramMib << 20;
            double runMs = 0;
            var clock = Stopwatch.StartNew();
            TimeSpan resumed = TimeSpan.Zero;
            for (int k = 0; k <= epochs; k++)
            {
                if (k > 0)
                {
                    Thread.Sleep(intervalMs);
                    runMs += (clock.Elapsed - resumed).TotalMilliseconds;
                }

                qmp.Execute("stop");
                string status = qmp.Execute("query-status")?["status"]?.GetValue<string>() ?? "?";
                if (status != "paused")
                {
                    throw new InvalidOperationException($"the guest did not pause (status {status})");
                }

                string file = Path.Combine(dir, $"dump-{k}.raw");
                qmp.Execute("pmemsave", new { val = 0, size = bytes, filename = file });
                qmp.Execute("cont");
                resumed = clock.Elapsed;
                dumps.Add(file);
                times.Add((long)Math.Round(runMs));
                log?.Invoke($"dump {k}: {file} at {times[^1]} ms of guest time");
            }

            long pages = bytes / 4096;
            var meta = new
            {
                format = 1,
                name = Path.GetFileName(stem),
                kind = "vm",
                description,
                pageSize = 4096,
                pages,
                captured = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
                capturedWith = $"{capturedWith}; {epochs + 1} QMP pmemsave dumps (guest paused during each), {intervalMs} ms of guest run time apart",
                regions = new[] { new { firstPage = 0L, pages, kind = "guest-physical", perms = "rw", label = "RAM" } },
                trace = epochs > 0 ? new { file = Path.GetFileName(stem) + ".trace", epochs, intervalMs } : null,
            };
            return DumpConverter.Convert(dumps, times, stem, meta);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
