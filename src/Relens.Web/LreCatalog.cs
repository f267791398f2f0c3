using System.Text.Json;
using Relens.Lre;
using Relens.Reporting;
using Relens.Web.Api;

namespace Relens.Web;

/// <summary>A saved LRE as listed by GET /api/lres.</summary>
public sealed record LreEntry(string Name, string Relation, string Layer, double Beta, int TrainingSamples, bool Usable, string? Problem);

/// <summary>
/// The LREs saved in the run's lres/ folder. A client names one by its stem (or its relation's name); the
/// name is only ever matched against this listing, so no request can make the server open another file.
/// </summary>
public sealed class LreCatalog(RunFolder folder, string? modelIdentity)
{
    public IReadOnlyList<LreEntry> List() => folder.SavedLres().Select(Describe).ToList();

    /// <summary>The listed stem that <paramref name="name"/> refers to; 400 for path-like names, 404 for unknown ones.</summary>
    public string Resolve(string name)
    {
        if (LooksLikePath(name))
            throw ApiException.BadRequest($"'{name}' is not an LRE name: names are the stems listed by GET /api/lres, not paths");
        var saved = folder.SavedLres();
        if (saved.Contains(name)) return name;
        var stem = RunFolder.Stem(name);
        return saved.Contains(stem) ? stem
            : throw ApiException.NotFound($"no saved LRE '{name}' in this run (GET /api/lres lists them)");
    }

    private static bool LooksLikePath(string name) =>
        name.Contains('/') || name.Contains('\\') || name.Contains("..") || name.Contains(':') || name.Contains('%')
        || Path.IsPathRooted(name) || name.Any(char.IsControl);

    private LreEntry Describe(string stem)
    {
        var path = Path.Combine(folder.LreDirectory, stem + ".json");
        try
        {
            var meta = JsonSerializer.Deserialize<LinearRelationFile.Metadata>(File.ReadAllText(path)) ?? throw new JsonException("empty");
            string? problem =
                !File.Exists(Path.Combine(folder.LreDirectory, stem + ".safetensors")) ? "its .safetensors file is missing"
                : modelIdentity is null ? "no model is loaded"
                : meta.ModelIdentity != modelIdentity ? $"estimated on another model (identity {meta.ModelIdentity}, loaded model {modelIdentity})"
                : null;
            return new LreEntry(stem, meta.Relation, meta.Layer, meta.Beta, meta.TrainingSamples?.Count ?? 0, problem is null, problem);
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            return new LreEntry(stem, "", "", 0, 0, false, "not a readable Relens LRE file");
        }
    }
}
