using ScottPlot;

namespace Mecom.Harness.Reporting;

/// <summary>
/// Outputs are replaced whole or not at all: written beside their final name under a temporary one,
/// flushed to disk, then renamed over it. A crash or a full disk while saving leaves the previous file (a
/// baseline CI gates on, a tuned settings file) as it was, and no reader ever sees half a file.
/// </summary>
public static class AtomicFile
{
    /// <summary>Calls <paramref name="writeTo"/> with a temporary path in <paramref name="path"/>'s folder, then moves the result to <paramref name="path"/>.</summary>
    public static void Write(string path, Action<string> writeTo)
    {
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full) ?? ".";
        Directory.CreateDirectory(folder);

        // Same folder, so the rename cannot cross file systems; the extension kept for writers that check it.
        string temp = Path.Combine(folder, $".{Path.GetFileNameWithoutExtension(full)}.{Environment.ProcessId}-{Guid.NewGuid():N}.tmp{Path.GetExtension(full)}");
        try
        {
            writeTo(temp);
            using (var written = new FileStream(temp, FileMode.Open, FileAccess.ReadWrite))
            {
                written.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    public static void WriteAllText(string path, string text) => Write(path, temp => File.WriteAllText(temp, text));

    public static void SavePng(Plot plot, string path, int width, int height) => Write(path, temp => plot.SavePng(temp, width, height));

    public static void SavePng(Multiplot plot, string path, int width, int height) => Write(path, temp => plot.SavePng(temp, width, height));
}
