using Mecom.Harness.Corpus;
using Spectre.Console;

namespace Mecom.Harness.Cli;

/// <summary>
/// Turns the failures a user can fix (bad names, missing or malformed files) into one line on stderr and
/// exit code 2, a failed migration into one line and exit 1, and anything else (a bug) into one line and
/// exit 1 as well, with the stack trace only under <c>--verbose</c>.
/// </summary>
public static class CliErrors
{
    public const int UsageError = 2;

    private static readonly AsyncLocal<bool> VerboseHere = new();

    /// <summary>
    /// Set by <c>--verbose</c>: errors keep their stack traces. Per call flow, not per process, so two
    /// commands run side by side in one process (the tests do) cannot switch each other's output.
    /// </summary>
    public static bool Verbose
    {
        get => VerboseHere.Value;
        set => VerboseHere.Value = value;
    }

    public static int Guard(Func<int> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (e is ArgumentException or FileNotFoundException or DirectoryNotFoundException
                                      or CorpusFormatException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine(Verbose ? $"mecom: {e}" : $"mecom: {e.Message}");
            return UsageError;
        }
        catch (Migration.Emulator.MigrationFailedException e)
        {
            Console.Error.WriteLine($"mecom: migration failed: {e.Message}");
            return 1;
        }
        catch (Exception e) when (!Verbose && e is not OutOfMemoryException)
        {
            Console.Error.WriteLine($"mecom: unexpected error ({e.GetType().Name}): {e.Message} (run again with --verbose for the stack trace, and please report it)");
            return 1;
        }
    }

    internal static void Info(string markup) => AnsiConsole.MarkupLine(markup);
}
