namespace Mecom.Harness.Cli;

/// <summary>Fails before a long measurement, not after it, when an output cannot be written.</summary>
public static class OutputPaths
{
    public static void CheckWritable(string? file)
    {
        if (file is null)
        {
            return;
        }

        string full = Path.GetFullPath(file);
        string folder = Path.GetDirectoryName(full) ?? ".";
        try
        {
            Directory.CreateDirectory(folder);
            string probe = Path.Combine(folder, $".mecom-write-test-{Environment.ProcessId}");
            File.WriteAllText(probe, string.Empty);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"cannot write {file}: {e.Message}; choose another output path");
        }
    }

    public static void CheckWritableFolder(string folder) => CheckWritable(Path.Combine(folder, "probe"));
}
