using System.Text.Json;
using Relens.Lre;

namespace Relens.Runs;

/// <summary>Reads a saved LRE's JSON without its tensors or a model: which model and relation it belongs to.</summary>
public static class SavedLre
{
    public static LinearRelationFile.Metadata ReadMetadata(string prefix)
    {
        if (prefix.EndsWith(".json") || prefix.EndsWith(".safetensors")) prefix = prefix[..prefix.LastIndexOf('.')];
        var (tensors, json) = LinearRelationFile.Paths(Path.GetFullPath(prefix));
        if (!File.Exists(json)) throw RelensException.InFile(json, "missing (a saved LRE is PREFIX.json + PREFIX.safetensors)");
        if (!File.Exists(tensors)) throw RelensException.InFile(tensors, "missing (a saved LRE is PREFIX.json + PREFIX.safetensors)");
        try { return JsonSerializer.Deserialize<LinearRelationFile.Metadata>(File.ReadAllText(json)) ?? throw new JsonException("empty"); }
        catch (JsonException e) { throw RelensException.InFile(json, $"not a Relens LRE file ({e.Message})"); }
    }

    /// <summary>The model folder to use: --model if given, else the one recorded in the LRE's JSON.</summary>
    public static string ModelDirectory(string prefix, string? explicitModel)
    {
        if (explicitModel is not null) return explicitModel;
        var meta = ReadMetadata(prefix);
        return meta.ModelDirectory is { Length: > 0 } dir && Directory.Exists(dir) ? dir
            : throw new RelensException($"{prefix}: the LRE's model folder '{meta.ModelDirectory ?? "(not recorded)"}' does not exist here: pass --model DIR");
    }
}
