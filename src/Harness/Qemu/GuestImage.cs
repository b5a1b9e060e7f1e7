using System.Diagnostics;
using System.Reflection;

namespace Mecom.Harness.Qemu;

/// <summary>The guest <c>qemu-migrate</c> boots: which kind, and what QEMU needs to boot it.</summary>
/// <param name="Kind"><c>linux</c> (the corpora/vm guest: a Debian kernel, busybox and kvstore) or <c>seabios</c> (no kernel: the firmware waiting for a boot disk, a smoke test in seconds).</param>
/// <param name="Kernel">The kernel image, for <c>linux</c>.</param>
/// <param name="Initrd">The initramfs built here, for <c>linux</c>.</param>
/// <param name="Append">The kernel command line, workload parameters included.</param>
public sealed record GuestImage(string Kind, string? Kernel, string? Initrd, string? Append)
{
    /// <summary>The QEMU arguments that boot it.</summary>
    public IEnumerable<string> BootArguments => Kind == "linux" ? ["-kernel", Kernel!, "-initrd", Initrd!, "-append", Append!] : [];

    /// <summary>What the console prints once the guest is ready to migrate (null: the firmware prints nothing to wait for).</summary>
    public string? ReadyLine => Kind == "linux" ? "STEADY" : null;

    public static GuestImage SeaBios() => new("seabios", null, null, null);

    /// <summary>
    /// Builds the corpora/vm guest in <paramref name="dir"/>: kvstore compiled static, busybox and its
    /// applets, the same init, a few MB of page-cache files, as corpora/vm/capture.sh does.
    /// </summary>
    public static GuestImage Linux(string dir, string? kernel, GuestWorkloadSpec workload)
    {
        kernel ??= Directory.Exists("/boot")
            ? Directory.GetFiles("/boot", "vmlinuz-*").OrderBy(f => f, StringComparer.Ordinal).LastOrDefault()
            : null;
        if (kernel is null || !File.Exists(kernel))
        {
            throw new ArgumentException(kernel is null
                ? "no kernel in /boot for the Linux guest: apt-get install linux-image-amd64, pass --kernel FILE, or use --guest seabios"
                : $"the kernel '{kernel}' does not exist");
        }

        string busybox = Tools.Find("busybox", "busybox-static", ["/bin/busybox", "/usr/bin/busybox"]);
        string gcc = Tools.Find("gcc", "gcc libc6-dev");
        Directory.CreateDirectory(dir);
        string source = Path.Combine(dir, "kvstore.c");
        File.WriteAllBytes(source, Resource("guest/kvstore.c"));
        string binary = Path.Combine(dir, "kvstore");
        Tools.Run(gcc, ["-O2", "-static", "-o", binary, source], "compiling the guest workload (kvstore.c)");
        string applets = Tools.Run(busybox, ["--list"], "listing busybox applets");

        string initrd = Path.Combine(dir, "initramfs.cpio");
        using (var file = File.Create(initrd))
        {
            var cpio = new Cpio(file);
            foreach (string d in new[] { "bin", "proc", "sys", "dev", "tmp", "data" })
            {
                cpio.AddDirectory(d);
            }

            cpio.AddFile("bin/busybox", File.ReadAllBytes(busybox), executable: true);
            foreach (string applet in applets.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (applet != "busybox" && !applet.Contains('/'))
                {
                    cpio.AddSymlink("bin/" + applet, "busybox");
                }
            }

            cpio.AddFile("bin/kvstore", File.ReadAllBytes(binary), executable: true);
            cpio.AddFile("init", Resource("guest/init"), executable: true);
            AddPageCacheFiles(cpio);
            cpio.Finish();
        }

        string append = $"console=ttyS0 rdinit=/init panic=-1 mitigations=off init_on_free=1 records={workload.Records} hot={workload.Hot} rate={workload.Rate}";
        return new GuestImage("linux", kernel, initrd, append);
    }

    /// <summary>Python's own sources, as the capture recipe puts in the page cache (skipped where there is no Python).</summary>
    private static void AddPageCacheFiles(Cpio cpio)
    {
        string? lib = Directory.Exists("/usr/lib") ? Directory.GetDirectories("/usr/lib", "python3.*").OrderBy(d => d, StringComparer.Ordinal).LastOrDefault() : null;
        if (lib is null)
        {
            return;
        }

        var made = new HashSet<string>(StringComparer.Ordinal);
        foreach (string package in new[] { "email", "json", "http", "logging", "xml" })
        {
            string root = Path.Combine(lib, package);
            if (!Directory.Exists(root))
            {
                continue;
            }

            foreach (string f in Directory.EnumerateFiles(root, "*.py", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                string relative = "data/python/" + Path.GetRelativePath(lib, f).Replace('\\', '/');
                Folder(cpio, made, relative[..relative.LastIndexOf('/')]);
                cpio.AddFile(relative, File.ReadAllBytes(f), executable: false);
            }
        }
    }

    /// <summary>Adds <paramref name="folder"/> and the parents it lacks (the kernel makes no parents).</summary>
    private static void Folder(Cpio cpio, HashSet<string> made, string folder)
    {
        int slash = folder.LastIndexOf('/');
        if (slash > 0)
        {
            Folder(cpio, made, folder[..slash]);
        }

        if (folder != "data" && made.Add(folder))
        {
            cpio.AddDirectory(folder);
        }
    }

    private static byte[] Resource(string name)
    {
        using Stream stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"the resource {name} is missing from this build");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}

/// <summary>The kvstore's parameters: records stored, the hot set updated, updates per second.</summary>
public sealed record GuestWorkloadSpec(int Records, int Hot, int Rate)
{
    public static readonly GuestWorkloadSpec Default = new(40000, 2000, 400);

    /// <summary>Parses <c>"records=N hot=N rate=N"</c> (any subset; the rest default).</summary>
    public static GuestWorkloadSpec Parse(string text)
    {
        var spec = Default;
        foreach (string word in text.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries))
        {
            string[] kv = word.Split('=', 2);
            if (kv.Length != 2 || !int.TryParse(kv[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n) || n < 1)
            {
                throw new ArgumentException($"--workload: '{word}' is not NAME=N with N a positive integer (records=N hot=N rate=N)");
            }

            spec = kv[0] switch
            {
                "records" => spec with { Records = n },
                "hot" => spec with { Hot = n },
                "rate" => spec with { Rate = n },
                _ => throw new ArgumentException($"--workload: unknown parameter '{kv[0]}' (records, hot, rate)"),
            };
        }

        if (spec.Hot > spec.Records)
        {
            throw new ArgumentException($"--workload: hot={spec.Hot} is more than records={spec.Records}");
        }

        return spec;
    }

    public override string ToString() => $"records={Records} hot={Hot} rate={Rate}";
}

/// <summary>Finding and running the host tools a guest needs, each missing one named with its Debian package.</summary>
internal static class Tools
{
    public static string Find(string name, string package, IEnumerable<string>? candidates = null)
    {
        foreach (string c in candidates ?? [])
        {
            if (File.Exists(c))
            {
                return c;
            }
        }

        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string path = Path.Combine(dir, name);
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new ArgumentException($"{name} not found: apt-get install {package}");
    }

    public static string Run(string file, IEnumerable<string> arguments, string what)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        using Process p = Process.Start(info) ?? throw new InvalidOperationException($"{what}: cannot start {file}");
        Task<string> error = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{what}: {Path.GetFileName(file)} exited {p.ExitCode}: {error.Result.Trim().Split('\n')[0]}");
        }

        return output;
    }
}
