using Mecom.Harness.Corpus;
using Spectre.Console;

namespace Mecom.Harness.Cli;

/// <summary>
/// Turns the failures a user can fix (bad names, missing or malformed files) into one line on stderr and
/// exit code 2; anything else is a bug and keeps its stack trace.
/// </summary>
public static class CliErrors
{
    public const int UsageError = 2;

    public static int Guard(Func<int> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (e is ArgumentException or FileNotFoundException or DirectoryNotFoundException
                                      or CorpusFormatException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"mecom: {e.Message}");
            return UsageError;
        }
        catch (Migration.MigrationFailedException e)
        {
            Console.Error.WriteLine($"mecom: migration failed: {e.Message}");
            return 1;
        }
    }

    internal static void Info(string markup) => AnsiConsole.MarkupLine(markup);
}
