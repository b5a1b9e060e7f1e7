using System.Text.Json.Nodes;
using Json.Schema;
using Mecom.Harness.Reporting;
using Mecom.Tests.Support;

namespace Mecom.Tests.Harness;

/// <summary>
/// docs/schemas/ holds the schema of every JSON output: equal to the one derived from the types that write
/// the files, and real files of each command validate against it. After changing an output type, rewrite
/// the schemas with <c>MECOM_WRITE_SCHEMAS=1 dotnet test -c Release --filter SchemaTests</c>.
/// </summary>
[Collection("console")]
public sealed class SchemaTests : IDisposable
{
    private static readonly string Folder = Path.Combine(Corpora.RepositoryRoot, "docs", "schemas");

    private readonly string scratch = Directory.CreateTempSubdirectory("mecom-schema-").FullName;

    public void Dispose() => Directory.Delete(scratch, recursive: true);

    public static TheoryData<string> Files => new(Schemas.Outputs.Select(o => o.File));

    [Theory]
    [MemberData(nameof(Files))]
    public void The_documented_schema_is_the_one_the_types_write(string file)
    {
        var (_, type, title) = Schemas.Outputs.Single(o => o.File == file);
        string derived = Schemas.Text(Schemas.Export(type, title));
        string path = Path.Combine(Folder, file);
        if (Environment.GetEnvironmentVariable("MECOM_WRITE_SCHEMAS") == "1")
        {
            Directory.CreateDirectory(Folder);
            File.WriteAllText(path, derived);
        }

        Assert.True(File.Exists(path), $"{path} is missing: run MECOM_WRITE_SCHEMAS=1 dotnet test -c Release --filter SchemaTests");
        Assert.True(derived == File.ReadAllText(path), $"{file} differs from what {type.Name} writes: run MECOM_WRITE_SCHEMAS=1 dotnet test -c Release --filter SchemaTests and review the diff");
    }

    [Fact]
    public void Real_outputs_of_every_command_validate_against_their_schema()
    {
        string tiny = Path.Combine(scratch, "tiny");
        string Out(string name) => Path.Combine(scratch, name);
        Run("corpus", "sample", "--from", Path.Combine(Corpora.ShippedFolder, "python-sqlite"), "--pages", "64", "--out", tiny);
        Run("codecs", "--corpus", tiny, "--codecs", "lz4,mecom", "--passes", "1", "--json", Out("codecs.json"));
        Run("corpus", "stats", "--corpus", tiny, "--json", Out("corpus-stats.json"));
        Run("simulate", "--free-cpu", "--strategy", "lz4,mecom+delta", "--dirty-rate", "2000", "--json", Out("migrate.json"));
        Run("baseline", "save", "--out", Out("baseline.json"), "--corpus", tiny, "--codecs", "lz4", "--passes", "3");
        Run("tune", "--corpus", Path.Combine(Corpora.ShippedFolder, "python-sqlite"), "--bandwidth", "1gbit", "--threads", "1", "--batch", "128",
            "--wkdm", "0", "--raw-above", "1", "--no-confirm", "--out", Out("tune.json"));

        // Each loaded once: the library registers a schema by its file's address.
        var loaded = Schemas.Outputs.ToDictionary(o => o.File, o => JsonSchema.FromFile(Path.Combine(Folder, o.File)));
        foreach ((string file, JsonSchema schema) in loaded)
        {
            string output = Out(file.Replace(".schema.json", ".json", StringComparison.Ordinal));
            using var document = System.Text.Json.JsonDocument.Parse(File.ReadAllText(output));
            EvaluationResults result = schema.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
            Assert.True(result.IsValid, $"{output} does not match {file}: " + string.Join("; ", (result.Details ?? []).Where(d => d.Errors is { Count: > 0 })
                .Select(d => $"{d.InstanceLocation}: {string.Join(", ", d.Errors!.Values)}").Take(5)));
            Assert.NotNull(JsonNode.Parse(File.ReadAllText(output))!["made"]?["commandLine"]);
        }

        // The schemas do reject: a run whose downtime is a word, and a report without its runs.
        JsonSchema migrate = loaded["migrate.schema.json"];
        var wrong = JsonNode.Parse(File.ReadAllText(Out("migrate.json")))!;
        wrong["runs"]![0]!["downtimeMs"] = "fast";
        Assert.False(Valid(migrate, wrong));
        wrong.AsObject().Remove("runs");
        Assert.False(Valid(migrate, wrong));
    }

    private static bool Valid(JsonSchema schema, JsonNode node)
    {
        using var document = System.Text.Json.JsonDocument.Parse(node.ToJsonString());
        return schema.Evaluate(document.RootElement).IsValid;
    }

    private static void Run(params string[] args)
    {
        (int code, string error) = CliTests.Run(args);
        Assert.True(code == 0, $"mecom {string.Join(' ', args)} exited {code}: {error}");
    }
}
