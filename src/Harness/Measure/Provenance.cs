using System.Diagnostics;
using System.Reflection;
using Mecom.Codecs;

namespace Mecom.Harness.Measure;

/// <summary>
/// Where a result file came from, in every JSON output (<c>made</c>): a figure is only comparable with
/// another made by the same tool and libraries on the same kind of machine, and the command line says how
/// to make it again.
/// </summary>
/// <param name="Tool">mecom's version, with the commit it was built from.</param>
/// <param name="Commit">The commit measured (<see cref="CurrentCommit"/>).</param>
/// <param name="Date">When the file was written.</param>
/// <param name="CommandLine">The command that wrote it, as typed (null when not run from the command line).</param>
/// <param name="Machine">The machine it ran on.</param>
/// <param name="Libraries">Every codec library with the version this process loaded.</param>
public sealed record Provenance(string Tool, string Commit, DateTimeOffset Date, string? CommandLine, MachineInfo Machine, IReadOnlyList<string> Libraries)
{
    private static readonly AsyncLocal<string?> CommandLineHere = new();

    /// <summary>
    /// Set by the entry point. Per call flow, not per process, so commands run side by side in one process
    /// (the tests do) each record their own.
    /// </summary>
    public static string? CurrentCommandLine
    {
        get => CommandLineHere.Value;
        set => CommandLineHere.Value = value;
    }

    /// <summary>mecom's version as <c>--version</c> prints it.</summary>
    public static string ToolVersion { get; } =
        "mecom " + (typeof(Provenance).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown");

    public static Provenance Here() =>
        new(ToolVersion, CurrentCommit(), DateTimeOffset.UtcNow, CurrentCommandLine, MachineInfo.Current(), CodecLibraries.All);

    /// <summary>The command line as a shell would take it back: arguments with spaces or quotes quoted.</summary>
    public static string Quote(IEnumerable<string> args) =>
        string.Join(' ', args.Prepend("mecom").Select(a => a.Length > 0 && a.All(c => char.IsLetterOrDigit(c) || "-_./:,=+@%".Contains(c))
            ? a : "'" + a.Replace("'", "'\\''", StringComparison.Ordinal) + "'"));

    /// <summary>The commit being measured: MECOM_COMMIT, else the commit this build was made from, else git's HEAD, else "unknown".</summary>
    public static string CurrentCommit()
    {
        if (Environment.GetEnvironmentVariable("MECOM_COMMIT") is { Length: > 0 } fromEnvironment)
        {
            return fromEnvironment;
        }

        // The SDK stamps the source commit after a '+' when it builds from a git checkout: the code that ran,
        // wherever mecom runs from (git in the working folder could name another repository).
        int plus = ToolVersion.IndexOf('+', StringComparison.Ordinal);
        if (plus > 0 && ToolVersion.Length - plus > 7)
        {
            return ToolVersion[(plus + 1)..];
        }

        try
        {
            using var git = Process.Start(new ProcessStartInfo("git", "rev-parse HEAD") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false });
            string head = git!.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit(5000);
            return git.ExitCode == 0 && head.Length > 0 ? head : "unknown";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "unknown";
        }
    }
}
