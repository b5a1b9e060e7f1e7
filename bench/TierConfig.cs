using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Exporters.Json;
using BenchmarkDotNet.Jobs;

namespace Mecom.Bench;

/// <summary>
/// One job per SIMD tier, set by the runtime's own switches (each job runs in its own process):
/// scalar (<c>DOTNET_EnableHWIntrinsic=0</c>, the baseline), Vector128 (<c>DOTNET_EnableAVX2=0</c>),
/// Vector256 (<c>DOTNET_EnableAVX512=0</c>) and the machine default (Vector512 where the CPU has AVX-512).
/// Memory is diagnosed everywhere: the hot paths must show 0 B allocated.
/// </summary>
public sealed class TierConfig : ManualConfig
{
    public static readonly string[] TierNames = ["scalar", "vector128", "vector256", "default"];

    /// <param name="tiers">Which of <see cref="TierNames"/> to run (all when empty).</param>
    public TierConfig(IReadOnlyCollection<string> tiers)
    {
        // Loggers, columns and analysers of the default config; the jobs below replace its default job.
        Add(DefaultConfig.Instance);
        Job baseJob = Job.Default.WithWarmupCount(3).WithIterationCount(10).WithLaunchCount(1);
        bool Wanted(string tier) => tiers.Count == 0 || tiers.Contains(tier);
        if (Wanted("scalar"))
        {
            AddJob(baseJob.WithEnvironmentVariable("DOTNET_EnableHWIntrinsic", "0").WithId("Scalar"));
        }

        if (Wanted("vector128"))
        {
            AddJob(baseJob.WithEnvironmentVariable("DOTNET_EnableAVX2", "0").WithId("Vector128"));
        }

        if (Wanted("vector256"))
        {
            AddJob(baseJob.WithEnvironmentVariable("DOTNET_EnableAVX512", "0").WithId("Vector256"));
        }

        if (Wanted("default"))
        {
            AddJob(baseJob.WithId("MachineDefault"));
        }
        AddDiagnoser(MemoryDiagnoser.Default);
        AddExporter(MarkdownExporter.GitHub);
        AddExporter(JsonExporter.Full);
        WithOptions(ConfigOptions.JoinSummary);
    }
}
