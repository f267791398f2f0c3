using System.Text.Json.Nodes;
using Relens.Relations;

namespace Relens.Tests.Runs;

/// <summary>Writes small relation folders in the paper's format (category subfolders of *.json files) for CLI tests.</summary>
public static class TinyRelations
{
    public static string WriteFolder(string root, params (string Category, string Name, string Template, IReadOnlyList<RelationSample> Samples)[] relations)
    {
        foreach (var (category, name, template, samples) in relations)
            Write(Path.Combine(root, category, RelensStem(name) + ".json"), name, template, samples);
        return root;
    }

    public static void Write(string path, string name, string template, IReadOnlyList<RelationSample> samples, Action<JsonObject>? edit = null)
    {
        var json = new JsonObject
        {
            ["name"] = name,
            ["prompt_templates"] = new JsonArray(template),
            ["prompt_templates_zs"] = new JsonArray(),
            ["properties"] = new JsonObject { ["relation_type"] = "test", ["domain_name"] = "subject", ["range_name"] = name + " object", ["symmetric"] = false },
            ["samples"] = new JsonArray(samples.Select(s => (JsonNode)new JsonObject { ["subject"] = s.Subject, ["object"] = s.Object }).ToArray()),
        };
        edit?.Invoke(json);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, json.ToJsonString());
    }

    private static string RelensStem(string name) => Reporting.RunFolder.Stem(name);
}
