using System.CommandLine;
using Mecom.Harness.Cli;

namespace Mecom.Harness;

public static class Program
{
    public static int Main(string[] args)
    {
        var root = new RootCommand("mecom: how fast and how small memory pages compress for live migration");
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(CodecsCommand.Create());
        root.Subcommands.Add(CorpusCommand.Create());
        return root.Parse(args).Invoke();
    }
}
