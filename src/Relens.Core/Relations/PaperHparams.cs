using System.Text.Json;
using Relens.Models;

namespace Relens.Relations;

/// <summary>
/// The paper's per-relation settings for one of its models, from
/// &lt;relations&gt;/hparams/&lt;model&gt;/&lt;relation name with '_'&gt;.json.
/// </summary>
/// <param name="ModelKey">The hparams folder: "gptj", "gpt2-xl" or "llama".</param>
/// <param name="RelationName">The relation's name as written in the file.</param>
/// <param name="HLayer">h_layer: the faithfulness-best layer.</param>
/// <param name="HLayerEdit">h_layer_edit: the causality-best layer (the one the paper reports at).</param>
/// <param name="Beta">beta, fixed per model.</param>
/// <param name="Rank">rank: int(mean per-trial best ρ) at <paramref name="HLayerEdit"/>.</param>
/// <param name="ZLayer">z_layer: -1, the last block's output.</param>
/// <param name="SourceFile">The file read.</param>
public sealed record PaperHparams(
    string ModelKey, string RelationName, LayerRef HLayer, LayerRef HLayerEdit,
    double Beta, int Rank, int ZLayer, string SourceFile)
{
    /// <summary>Loads the hparams of <paramref name="relationName"/> ("country capital city") for
    /// <paramref name="modelKey"/> from the relations folder <paramref name="relationsRoot"/>.</summary>
    public static PaperHparams Load(string relationsRoot, string modelKey, string relationName)
    {
        string hparamsDir = Path.Combine(Path.GetFullPath(relationsRoot), RelationDataset.HparamsFolder);
        if (!Directory.Exists(hparamsDir))
            throw RelensException.InFile(hparamsDir, "hparams folder not found");
        string modelDir = Path.Combine(hparamsDir, modelKey);
        if (!Directory.Exists(modelDir))
        {
            var models = Directory.EnumerateDirectories(hparamsDir).Select(Path.GetFileName).Order(StringComparer.Ordinal);
            throw RelensException.InFile(modelDir, $"no hparams for model '{modelKey}'; available: {string.Join(", ", models)}");
        }

        string path = Path.Combine(modelDir, relationName.Replace(' ', '_') + ".json");
        if (!File.Exists(path))
        {
            // Tolerate case differences ("company ceo" for company_CEO.json).
            var stems = Directory.EnumerateFiles(modelDir, "*.json").Select(f => Path.GetFileNameWithoutExtension(f)!).ToList();
            string? match = stems.SingleOrDefault(s => NameMatching.Normalize(s) == NameMatching.Normalize(relationName));
            if (match is null)
            {
                var near = NameMatching.Closest(relationName, stems.Select(s => s.Replace('_', ' ')), 3);
                throw RelensException.InFile(path,
                    $"the paper has no hparams for relation '{relationName}' on model '{modelKey}'"
                    + (near.Count > 0 ? $"; did you mean {string.Join(", ", near.Select(n => $"'{n}'"))}?" : ""));
            }
            path = Path.Combine(modelDir, match + ".json");
        }
        return Read(path, modelKey, relationName);
    }

    private static PaperHparams Read(string path, string modelKey, string relationName)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(File.ReadAllBytes(path)); }
        catch (JsonException e) { throw RelensException.InFile(path, $"not valid JSON: {e.Message}"); }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw RelensException.InFile(path, "expected a JSON object");
            string name = root.TryGetProperty("relation_name", out var n) && n.ValueKind == JsonValueKind.String
                ? n.GetString()! : relationName;
            if (NameMatching.Normalize(name) != NameMatching.Normalize(relationName))
                throw RelensException.InFile(path, $"holds hparams for relation '{name}', not '{relationName}'");
            return new PaperHparams(modelKey, name,
                Layer(path, root, "h_layer"), Layer(path, root, "h_layer_edit"),
                Number(path, root, "beta").GetDouble(), Int(path, root, "rank"), Int(path, root, "z_layer"), path);
        }
    }

    private static JsonElement Number(string path, JsonElement root, string key) =>
        root.TryGetProperty(key, out var v)
            ? v.ValueKind == JsonValueKind.Number ? v : throw RelensException.InFile(path, $"'{key}' must be a number")
            : throw RelensException.InFile(path, $"missing required field '{key}'");

    private static int Int(string path, JsonElement root, string key) =>
        Number(path, root, key).TryGetInt32(out int i) ? i : throw RelensException.InFile(path, $"'{key}' must be an integer");

    private static LayerRef Layer(string path, JsonElement root, string key)
    {
        if (!root.TryGetProperty(key, out var v)) throw RelensException.InFile(path, $"missing required field '{key}'");
        string text = v.ValueKind switch
        {
            JsonValueKind.Number => v.GetRawText(),
            JsonValueKind.String => v.GetString()!,
            _ => "",
        };
        return LayerRef.TryParse(text, out var layer)
            ? layer
            : throw RelensException.InFile(path, $"'{key}' must be \"emb\" or a block number ≥ 0, found {v.GetRawText()}");
    }
}
