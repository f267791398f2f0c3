using System.Text.Json;
using System.Text.Json.Nodes;

namespace Relens.Tracing;

/// <summary>
/// The role-averaged maps of a RELATION.trace.json read back (what `relens run --trace` shows in report.html, so
/// `relens report` can re-render them without the model). Per-fact grids stay in the file and are not read.
/// </summary>
public sealed record SavedRelationTrace(string Relation, string Prompts, int Candidates, int KnownTraced, string Model,
    IReadOnlyDictionary<TraceKind, AveragedTrace> Averages, AveragedKnockout? Knockout)
{
    public static SavedRelationTrace Load(string path)
    {
        try
        {
            var o = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
            var settings = o["settings"]!.AsObject();
            int layers = settings["layers"]!.GetValue<int>();
            var averages = new Dictionary<TraceKind, AveragedTrace>();
            if (o["averages"] is JsonObject avg)
                foreach (var (name, node) in avg)
                {
                    var a = node!.AsObject();
                    var scores = a["scores"]!.AsArray().Select(row => row!.AsArray().Select(v => v?.GetValue<double>()).ToArray()).ToArray();
                    if (scores.Length != TokenRoles.Names.Length || scores.Any(r => r.Length != layers))
                        throw new RelensException($"{path}: averages.{name}.scores is not {TokenRoles.Names.Length} roles × {layers} layers");
                    averages[TraceKinds.Parse(name)] = new AveragedTrace(TraceKinds.Parse(name), a["prompts"]!.GetValue<int>(),
                        Number(a["clean"]), Number(a["corrupted"]), scores, a["window"]!.GetValue<int>());
                }
            AveragedKnockout? knockout = null;
            if (o["knockout"] is JsonObject k)
                knockout = new AveragedKnockout(k["prompts"]!.GetValue<int>(), Number(k["clean"]), Values(k["window"], layers, path),
                    Values(k["from_layer"], layers, path), Values(k["window_change"], layers, path), Values(k["from_layer_change"], layers, path),
                    k["window_size"]!.GetValue<int>());
            return new SavedRelationTrace(o["relation"]!.GetValue<string>(), o["prompts"]?.GetValue<string>() ?? "",
                o["candidates"]?.GetValue<int>() ?? 0, o["known_traced"]?.GetValue<int>() ?? 0,
                Path.GetFileName((settings["model"]?.GetValue<string>() ?? "").TrimEnd('/', '\\')), averages, knockout);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NullReferenceException or FormatException)
        {
            throw RelensException.InFile(path, $"is not a readable trace file ({e.Message})");
        }
    }

    private static double Number(JsonNode? n) => n?.GetValue<double>() ?? double.NaN;

    private static double[] Values(JsonNode? n, int layers, string path)
    {
        var values = n!.AsArray().Select(Number).ToArray();
        return values.Length == layers ? values : throw new RelensException($"{path}: a knockout list has {values.Length} values, expected {layers}");
    }
}
