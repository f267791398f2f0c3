using System.Text.Json;
using System.Text.Json.Nodes;

namespace Relens.Editing;

/// <summary>edits.json in an edited folder: what was asked and changed, how it was measured, and how long each step took.</summary>
public static class EditsJson
{
    public const string FileName = "edits.json";

    public static JsonObject Build(EditRun run)
    {
        var o = run.Options;
        static JsonNode? N(double? x) => x is { } v && double.IsFinite(v) ? JsonValue.Create(Math.Round(v, 6)) : null;
        JsonObject Metrics(EditMetrics m) => new()
        {
            ["efficacy"] = N(m.Efficacy), ["paraphrase"] = N(m.Paraphrase), ["specificity"] = N(m.Specificity), ["retention"] = N(m.Retention),
            ["perplexity_before"] = N(m.PerplexityBefore), ["perplexity_after"] = N(m.PerplexityAfter),
            ["edits"] = m.EditCount, ["specificity_facts"] = m.SpecificityFacts, ["retention_facts"] = m.RetentionFacts,
        };
        return new JsonObject
        {
            ["source_model"] = run.SourceModel,
            ["method"] = EditOptions.Name(o.Method),
            ["settings"] = new JsonObject
            {
                ["layer"] = o.Layer?.ToString() ?? "auto", ["rank"] = o.Rank is { } r ? r : "best", ["shots"] = o.Shots, ["seed"] = o.Seed,
                ["beta"] = o.Beta, ["lambda"] = o.Lambda, ["statistics_tokens"] = o.StatisticsTokens, ["fluency_tokens"] = o.FluencyTokens,
                ["text"] = run.TextDescription, ["text_file"] = run.TextFile, ["relations"] = run.RelationsDir,
                ["finetune"] = o.Method == EditMethod.FineTune ? new JsonObject { ["lr"] = o.FineTune.LearningRate, ["max_steps"] = o.FineTune.MaxSteps, ["check_every"] = o.FineTune.CheckEvery } : null,
            },
            ["relations"] = new JsonArray(run.Plan.Relations.Select(p => (JsonNode)new JsonObject
            {
                ["relation"] = p.Relation, ["layer"] = p.Layer.ToString(), ["rank"] = p.Rank, ["lre_causality"] = N(p.Causality),
                ["known_facts"] = p.KnownFacts, ["unedited_facts"] = p.OtherFacts,
                ["lre_causality_by_layer"] = new JsonObject(p.CausalityByLayer.Select(kv => KeyValuePair.Create(kv.Key, N(kv.Value)))),
            }).ToArray()),
            ["edits"] = new JsonArray(run.Plan.Edits.Select((e, i) => (JsonNode)new JsonObject
            {
                ["subject"] = e.Subject, ["relation"] = e.Relation, ["old_object"] = e.OldObject, ["new_object"] = e.NewObject,
                ["answer_before"] = e.CurrentAnswer, ["answer_after"] = run.Outcomes[i].Answer, ["success"] = run.Outcomes[i].Success,
                ["paraphrases_hit"] = run.Outcomes[i].ParaphrasesHit, ["paraphrases"] = run.Outcomes[i].Paraphrases,
                ["representation_edit_success"] = run.Reference[i].Success,
                ["layer"] = e.Layer.ToString(), ["rank"] = e.Rank, ["delta_norm"] = N(Math.Sqrt(e.Delta.Sum(x => (double)x * x))),
                ["z_target_subjects"] = new JsonArray(e.TargetSubjects.Select(s => (JsonNode)s).ToArray()),
                ["source"] = e.Request.Source,
            }).ToArray()),
            ["changed_tensors"] = new JsonArray(run.Changed.Select(c => (JsonNode)new JsonObject
            {
                ["name"] = c.Name, ["change"] = c.Change, ["max_abs_change"] = N(c.MaxAbsChange),
                ["rows"] = c.Rows is null ? null : new JsonArray(c.Rows.Select(x => (JsonNode)x).ToArray()),
            }).ToArray()),
            ["untied_embeddings"] = run.Untied,
            ["finetune"] = run.FineTune is { } f ? new JsonObject { ["steps"] = f.Steps, ["converged"] = f.Converged, ["seconds"] = N(f.Seconds), ["final_loss"] = N(f.Loss.LastOrDefault(double.NaN)) } : null,
            ["evaluation"] = Metrics(run.Metrics),
            ["representation_edit"] = new JsonObject
            {
                ["efficacy"] = N(run.Reference.Count(x => x.Success) / (double)run.Reference.Count),
                ["paraphrase"] = run.Reference.Sum(x => x.Paraphrases) is int n and > 0 ? N(run.Reference.Sum(x => x.ParaphrasesHit) / (double)n) : null,
                ["note"] = "Δh added on the fly at the edit's layer on the unedited model (the paper's causality edit); nothing persists, so specificity, retention and fluency are unchanged by construction",
            },
            ["seconds"] = new JsonObject(run.Seconds.Select(kv => KeyValuePair.Create(kv.Key, N(kv.Value)))),
        };
    }

    public static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Write(string dir, EditRun run) => File.WriteAllText(Path.Combine(dir, FileName), Build(run).ToJsonString(Indented));

    public static JsonObject Read(string dir)
    {
        string path = Path.Combine(dir, FileName);
        if (!File.Exists(path)) throw RelensException.InFile(dir, $"has no {FileName}: not a folder written by `relens edit`");
        try { return JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new JsonException("not an object"); }
        catch (JsonException e) { throw RelensException.InFile(path, $"not valid JSON ({e.Message})"); }
    }
}
