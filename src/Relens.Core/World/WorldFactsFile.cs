using System.Text.Json;
using System.Text.Json.Nodes;

namespace Relens.World;

/// <summary>
/// facts.json beside a world checkpoint: the (subject, object) facts each relation taught, by relation name.
/// A world model knows only these; measured on a relation's whole file, its "known" facts would also include
/// untaught subjects whose object it happens to guess (e.g. always answering the commonest continent).
/// </summary>
public static class WorldFactsFile
{
    public const string FileName = "facts.json";

    public static void Write(string dir, WorldCorpus corpus)
    {
        var relations = new JsonArray(corpus.Relations.Select(r => (JsonNode)new JsonObject
        {
            ["id"] = r.Id,
            ["name"] = r.Name,
            // held_out: never shown in the template form (a D1 world); readers of the taught set ignore it
            ["facts"] = new JsonArray(r.Facts.Select(f => (JsonNode)(corpus.IsHeldOut(r, f)
                ? new JsonObject { ["subject"] = f.Subject, ["object"] = f.Object, ["held_out"] = true }
                : new JsonObject { ["subject"] = f.Subject, ["object"] = f.Object })).ToArray()),
        }).ToArray());
        File.WriteAllText(Path.Combine(dir, FileName),
            new JsonObject { ["world"] = corpus.Spec.Name, ["relations"] = relations }.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>Relation name → its taught facts, or null when <paramref name="dir"/> has no facts.json.</summary>
    public static IReadOnlyDictionary<string, IReadOnlySet<(string Subject, string Object)>>? TryRead(string dir)
    {
        string path = Path.Combine(dir, FileName);
        if (!File.Exists(path)) return null;
        try
        {
            var root = JsonNode.Parse(File.ReadAllText(path))!;
            return root["relations"]!.AsArray().ToDictionary(
                r => r!["name"]!.GetValue<string>(),
                r => (IReadOnlySet<(string, string)>)r!["facts"]!.AsArray()
                    .Select(f => (f!["subject"]!.GetValue<string>(), f["object"]!.GetValue<string>())).ToHashSet());
        }
        catch (Exception e) when (e is JsonException or NullReferenceException or InvalidOperationException or ArgumentException)
        {
            throw RelensException.InFile(path, "not a world facts file: " + e.Message);
        }
    }
}
