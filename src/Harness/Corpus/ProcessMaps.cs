using System.Globalization;

namespace Mecom.Harness.Corpus;

/// <summary>One line of <c>/proc/PID/maps</c>.</summary>
public sealed record Mapping(ulong Start, ulong End, string Perms, string Path)
{
    public ulong Length => End - Start;

    /// <summary>
    /// What the capture keeps: private anonymous memory (heap, stacks, plain anonymous), shared anonymous
    /// memory (SysV, memfd, /dev/zero) and the written copy-on-write pages of private file mappings.
    /// Code, read-only data and the kernel's [vvar]/[vdso] carry no workload state and are skipped.
    /// </summary>
    public string? Kind
    {
        get
        {
            if (Perms.Length < 4 || Perms[0] != 'r')
            {
                return null;
            }

            bool shared = Perms[3] == 's';
            bool anonymous = Path.Length == 0 || Path is "[heap]" or "[stack]" || Path.StartsWith("[stack:", StringComparison.Ordinal)
                || Path.StartsWith("[anon", StringComparison.Ordinal);
            if (Path is "[vvar]" or "[vdso]" or "[vsyscall]" or "[vvar_vclock]")
            {
                return null;
            }

            if (anonymous)
            {
                return shared ? "shared-anon" : "anon";
            }

            if (shared && (Path.StartsWith("/dev/zero", StringComparison.Ordinal) || Path.StartsWith("/SYSV", StringComparison.Ordinal)
                || Path.StartsWith("/memfd:", StringComparison.Ordinal)))
            {
                return "shared-anon";
            }

            return !shared && Perms[1] == 'w' && Path.StartsWith('/') ? "file-private-rw" : null;
        }
    }

    /// <summary>Parses the maps file of a process.</summary>
    public static IReadOnlyList<Mapping> Read(int pid)
    {
        string path = $"/proc/{pid}/maps";
        if (!File.Exists(path))
        {
            throw new ArgumentException($"no process {pid} (or /proc is not mounted): {path} does not exist");
        }

        return File.ReadAllLines(path).Select(line => Parse(line, path)).ToArray();
    }

    public static Mapping Parse(string line, string source)
    {
        // start-end perms offset dev inode [path]; the path may contain spaces.
        string[] fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
        string[] range = fields.Length >= 5 ? fields[0].Split('-') : [];
        if (range.Length != 2
            || !ulong.TryParse(range[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong start)
            || !ulong.TryParse(range[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong end)
            || end < start)
        {
            throw new FormatException($"{source}: cannot parse maps line '{line}'");
        }

        return new Mapping(start, end, fields[1], fields.Length == 6 ? fields[5].Trim() : string.Empty);
    }
}
