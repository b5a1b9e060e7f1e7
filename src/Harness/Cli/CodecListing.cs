using Mecom.Codecs;
using Spectre.Console;

namespace Mecom.Harness.Cli;

/// <summary>
/// <c>mecom codecs --list</c>: every codec a command line can name, its levels, whether it runs here (and
/// why not), the library and version doing the work, then the strategies a migration takes.
/// </summary>
public static class CodecListing
{
    public static int Write()
    {
        var codecs = new Table().RoundedBorder().Title("codecs (--codecs, and inside --strategy)")
            .AddColumns("name", "levels", "here", "library", "what it is");
        foreach (CodecInfo c in CodecRegistry.All)
        {
            string here = c.IsAvailable ? "[green]yes[/]" : $"[yellow]no[/]: {Markup.Escape(c.Unavailable!)}";
            string name = c.Name + (c.InDefaultSet ? "" : " [grey](not in all)[/]");
            codecs.AddRow(name, Markup.Escape(c.Levels), here, Markup.Escape(c.Library?.Invoke() ?? "-"), Markup.Escape(c.Description));
        }

        AnsiConsole.Write(codecs);
        AnsiConsole.MarkupLine("[grey]a level follows a colon (zstd:3); a selector takes a general codec after a + (mecom:0+native-lzo1x); 'all' is every available codec not marked otherwise, at its default level[/]");

        var strategies = new Table().RoundedBorder().Title("strategies (--strategy of migrate, simulate, tune)").AddColumns("form", "what it sends");
        foreach ((string form, string what) in Migration.Policy.Strategy.Kinds)
        {
            strategies.AddRow(Markup.Escape(form), Markup.Escape(what));
        }

        AnsiConsole.Write(strategies);
        return 0;
    }
}
