using BenchmarkDotNet.Running;

namespace Mecom.Bench;

/// <summary>
/// <c>dotnet run -c Release --project bench -- --filter '*'</c>; every BenchmarkDotNet option works
/// (<c>--filter '*Zero*'</c>, <c>--job dry</c>, <c>--list flat</c>). One extra option of ours,
/// <c>--tiers scalar,vector128,vector256,default</c>, picks the SIMD-tier jobs (all four by default).
/// </summary>
public static class Program
{
    public static void Main(string[] args)
    {
        var rest = new List<string>();
        var tiers = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--tiers" && i + 1 < args.Length)
            {
                tiers.AddRange(args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            }
            else
            {
                rest.Add(args[i]);
            }
        }

        string[] unknown = tiers.Except(TierConfig.TierNames).ToArray();
        if (unknown.Length > 0)
        {
            Console.Error.WriteLine($"unknown tier(s) {string.Join(", ", unknown)}; valid: {string.Join(", ", TierConfig.TierNames)}");
            Environment.Exit(2);
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(rest.ToArray(), new TierConfig(tiers));
    }
}
