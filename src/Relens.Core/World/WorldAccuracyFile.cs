using System.Text.Json;
using System.Text.Json.Nodes;

namespace Relens.World;

/// <summary>
/// accuracy.json beside a world checkpoint: what the model knows (top-1 first-token accuracy on 8-shot ICL
/// prompts, overall and per relation), how long it trained, and how (the linear probe per layer and the LRE
/// faithfulness at its best layer and β, at `emb` and at its best layer ≥ 1, each with the majority baseline beside it). Readable without Relens.
/// </summary>
public static class WorldAccuracyFile
{
    public const string FileName = "accuracy.json";

    public static JsonObject ToJson(WorldReport report, double? trainSeconds)
    {
        static double R(double v) => Math.Round(v, 4);
        var lre = report.Lre.Where(r => r.Trials > 0).ToList();
        return new JsonObject
        {
            ["overall"] = R(report.Knowledge.Overall),
            ["relations"] = Map(report.Knowledge.PerRelation.Select(kv => (kv.Key, (JsonNode?)R(kv.Value)))),
            ["held_out"] = report.HeldOutKnowledge is { } h ? new JsonObject
            {
                ["facts"] = h.Facts.Count,
                ["overall"] = R(h.Overall),
                ["relations"] = Map(h.PerRelation.Select(kv => (kv.Key, (JsonNode?)R(kv.Value)))),
            } : null,
            ["train_seconds"] = trainSeconds is { } s ? Math.Round(s, 1) : null,
            ["lre_faithfulness"] = Map(lre.Select(r => (r.Relation, (JsonNode?)R(r.Best().Value)))),
            ["lre_best"] = Map(lre.Select(r =>
            {
                var best = r.Best();
                var later = r.BestFromLayer1();
                return (r.Relation, (JsonNode?)new JsonObject
                {
                    ["layer"] = best.Layer, ["beta"] = best.Beta, ["faithfulness"] = R(best.Value),
                    ["majority"] = R(r.Majority), ["known_test_facts"] = R(r.KnownTestFacts), ["trials"] = r.Trials,
                    // the question in the file itself: linear at `emb` only, or in an enriched state too?
                    ["emb_faithfulness"] = r.At("emb") is { } emb ? R(emb) : null,
                    ["best_from_layer_1"] = later.Layer.Length == 0 ? null
                        : new JsonObject { ["layer"] = later.Layer, ["beta"] = later.Beta, ["faithfulness"] = R(later.Value) },
                });
            })),
            // per layer, the best β's faithfulness: where (if anywhere) the relation is linear
            ["lre_by_layer"] = Map(lre.Select(r => (r.Relation, (JsonNode?)Map(r.Faithfulness.Select(kv => (kv.Key, (JsonNode?)R(kv.Value.Max()))))))),
            ["lre_betas"] = new JsonArray(WorldLreCheck.Betas.Select(b => (JsonNode)b).ToArray()),
            ["probe"] = Map(report.Probes.Select(p => (p.Relation, (JsonNode?)new JsonObject
            {
                ["majority"] = R(p.Majority),
                ["unembedding_targets"] = p.UnembeddingTargets,
                ["by_layer"] = Map(p.Accuracy.Select(kv => (kv.Key, (JsonNode?)R(kv.Value)))),
            }))),
        };
    }

    /// <summary>Writes DIR/accuracy.json; the training time comes from DIR/world.json when the folder has one.</summary>
    public static string Write(string modelDir, WorldReport report)
    {
        string path = Path.Combine(modelDir, FileName);
        File.WriteAllText(path, ToJson(report, TrainSeconds(modelDir)).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return path;
    }

    private static double? TrainSeconds(string modelDir)
    {
        string about = Path.Combine(modelDir, "world.json");
        if (!File.Exists(about)) return null;
        return JsonNode.Parse(File.ReadAllText(about))?["training"]?["seconds"]?.GetValue<double>();
    }

    private static JsonObject Map(IEnumerable<(string Key, JsonNode? Value)> items)
    {
        var o = new JsonObject();
        foreach (var (k, v) in items) o[k] = v;
        return o;
    }
}
