using Relens.Models;

namespace Relens.Runs;

/// <summary>
/// The --layers option: "all" (emb and every block) or a comma list of "emb", block numbers and ranges
/// ("emb,0,2,4" or "emb,0-3"). Parsed before the model is loaded; checked against it afterwards.
/// </summary>
public static class LayerSpec
{
    /// <summary>null for "all" (or no option), else the layers in model order without repeats.</summary>
    public static IReadOnlyList<LayerRef>? Parse(string? text, string option = "--layers")
    {
        if (text is null || text.Trim() is "all" or "") return null;
        var layers = new List<LayerRef>();
        foreach (var raw in text.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int dash = raw.IndexOf('-');
            if (dash > 0 && int.TryParse(raw[..dash], out int from) && int.TryParse(raw[(dash + 1)..], out int to) && from >= 0 && to >= from)
            {
                layers.AddRange(Enumerable.Range(from, to - from + 1).Select(LayerRef.At));
                continue;
            }
            if (!LayerRef.TryParse(raw, out var layer))
                throw new RelensException($"{option}: '{raw}' is not a layer; expected 'all' or a list like emb,0,2,4 or emb,0-3");
            layers.Add(layer);
        }
        return layers.Distinct().OrderBy(l => l.Block ?? -1).ToList();
    }

    /// <summary>Every listed layer exists in a model with <paramref name="numLayers"/> blocks.</summary>
    public static void Check(IReadOnlyList<LayerRef>? layers, int numLayers, string option = "--layers")
    {
        var missing = (layers ?? []).Where(l => l.Block >= numLayers).ToList();
        if (missing.Count > 0)
            throw new RelensException($"{option}: layer{(missing.Count > 1 ? "s" : "")} {string.Join(", ", missing)} do{(missing.Count > 1 ? "" : "es")} not exist; "
                + $"the model has {numLayers} blocks (layers emb and 0..{numLayers - 1})");
    }

    public static IReadOnlyList<string> Names(IReadOnlyList<LayerRef>? layers, int numLayers) =>
        (layers ?? LayerRef.All(numLayers).ToList()).Select(l => l.ToString()).ToList();
}
