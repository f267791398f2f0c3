using System.Text.Json;
using System.Text.Json.Nodes;

namespace Relens.Tracing;

/// <summary>
/// The JSON of `relens trace`: settings, the role-averaged maps of each kind, and every traced fact's own grids.
/// Grids are lists of rows: state maps token (or role) × layer; knockout lists one value per layer.
/// </summary>
public static class TraceJson
{
    public static JsonObject Settings(CausalTracer tracer, string model) => new()
    {
        ["model"] = model,
        ["layers"] = tracer.NumLayers,
        ["sigma"] = tracer.Sigma,
        ["sigma_rule"] = tracer.Options.Noise is null
            ? $"{tracer.Options.NoiseFactor} × std of the token embedding matrix over the vocabulary"
            : "given (--noise)",
        ["samples"] = tracer.Options.Samples,
        ["seed"] = tracer.Options.Seed,
        ["window"] = tracer.Options.Window,
        ["knockout_window"] = tracer.Options.KnockoutWindow,
    };

    public static JsonObject Relation(RelationTraceResult r, JsonObject settings)
    {
        var o = new JsonObject
        {
            ["relation"] = r.Relation,
            ["prompts"] = r.PromptNote,
            ["candidates"] = r.Candidates,
            ["known_traced"] = r.Facts.Count,
            ["settings"] = settings,
            ["roles"] = new JsonArray(TokenRoles.Names.Select(n => (JsonNode?)n).ToArray()),
        };
        var averages = new JsonObject();
        foreach (var (kind, a) in r.Averages)
            averages[kind.Name()] = new JsonObject
            {
                ["prompts"] = a.Prompts, ["clean"] = Number(a.Clean), ["corrupted"] = Number(a.Corrupted), ["window"] = a.Window,
                ["scores"] = Rows(a.Scores.Select(row => row.Select(v => v is { } x ? (JsonNode?)x : null))),
            };
        o["averages"] = averages;
        if (r.Knockout is { } k)
            o["knockout"] = new JsonObject
            {
                ["prompts"] = k.Prompts, ["clean"] = Number(k.Clean), ["window_size"] = k.WindowSize,
                ["window"] = Values(k.Window), ["window_change"] = Values(k.WindowChange),
                ["from_layer"] = Values(k.FromLayer), ["from_layer_change"] = Values(k.FromLayerChange),
            };
        var facts = new JsonArray();
        foreach (var p in r.Facts)
            facts.Add(Prompt(p, r.Traces.Where(t => t.Prompt == p.Text && t.Subject == p.Subject), r.Knockouts.FirstOrDefault(t => t.Prompt == p.Text && t.Subject == p.Subject)));
        o["facts"] = facts;
        return o;
    }

    /// <summary>One prompt's traces (any kinds, possibly none of a kind).</summary>
    public static JsonObject Prompt(TracePrompt p, IEnumerable<StateTrace> traces, KnockoutTrace? knockout)
    {
        var list = traces.ToList();
        var answer = list.FirstOrDefault()?.Answer ?? knockout?.Answer;
        var o = new JsonObject
        {
            ["prompt"] = p.Text,
            ["subject"] = p.Subject,
            ["object"] = p.Object,
            ["subject_tokens"] = new JsonArray(p.SubjectFirst, p.SubjectLast),
            ["tokens"] = new JsonArray((list.FirstOrDefault()?.Tokens ?? knockout?.Tokens ?? []).Select(t => (JsonNode?)t).ToArray()),
            ["answer"] = answer?.Answer,
            ["answer_id"] = answer?.AnswerId,
            ["clean"] = answer?.Probability,
        };
        foreach (var t in list)
            o[t.Kind.Name()] = new JsonObject
            {
                ["corrupted"] = t.Corrupted, ["window"] = t.Window, ["first_traced_token"] = t.FirstTracedToken,
                ["scores"] = Rows(t.Scores.Select(row => row.Select(v => (JsonNode?)v))),
            };
        if (knockout is not null)
            o["knockout"] = new JsonObject
            {
                ["window_size"] = knockout.WindowSize,
                ["window"] = Values(knockout.Window), ["window_change"] = Values(knockout.WindowChange),
                ["from_layer"] = Values(knockout.FromLayer), ["from_layer_change"] = Values(knockout.FromLayerChange),
            };
        return o;
    }

    public static void Write(string path, JsonObject o) =>
        File.WriteAllText(path, o.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");

    private static JsonArray Values(IEnumerable<double> xs) => new(xs.Select(Number).ToArray());
    /// <summary>JSON has no NaN: a mean over no prompts is written as null.</summary>
    private static JsonNode? Number(double x) => double.IsFinite(x) ? x : null;
    private static JsonArray Rows(IEnumerable<IEnumerable<JsonNode?>> rows) => new(rows.Select(r => (JsonNode?)new JsonArray(r.ToArray())).ToArray());
}
