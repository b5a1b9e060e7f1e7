using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using System.Text.Json.Serialization.Metadata;
using Mecom.Harness.Corpus;
using Mecom.Harness.Gate;
using Mecom.Harness.Measure;

namespace Mecom.Harness.Reporting;

/// <summary>
/// The JSON Schema of every file mecom writes, derived from the types that write them, so the schemas in
/// <c>docs/schemas/</c> cannot drift from the files (a test holds them equal and validates real outputs).
/// </summary>
public static class Schemas
{
    /// <summary>Each output: its schema's file name and the type serialized into it.</summary>
    public static readonly (string File, Type Type, string Title)[] Outputs =
    [
        ("codecs.schema.json", typeof(ComparisonResult), "mecom codecs --json"),
        ("migrate.schema.json", typeof(MigrationReport), "mecom migrate|simulate|run --json, simulate --pairs"),
        ("corpus-stats.schema.json", typeof(CorpusStatsReport), "mecom corpus stats --json"),
        ("baseline.schema.json", typeof(Baseline), "mecom baseline save --out"),
        ("tune.schema.json", typeof(TunedSettings), "mecom tune --out"),
    ];

    public static JsonObject Export(Type type, string title)
    {
        var options = new JsonSerializerOptions(ResultFiles.Json) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };
        var schema = (JsonObject)options.GetJsonSchemaAsNode(type, new JsonSchemaExporterOptions { TreatNullObliviousAsNonNullable = true });
        var document = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["title"] = title,
        };
        foreach ((string key, JsonNode? value) in schema.ToArray())
        {
            schema.Remove(key);
            document[key] = value;
        }

        return document;
    }

    public static string Text(JsonObject schema) => schema.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
}
