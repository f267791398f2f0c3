using System.Text.Json;
using System.Text.Json.Nodes;
using Relens.Evaluation.Records;
using Relens.Models;
using Relens.Relations;
using Relens.Reporting;
using Relens.Sweeps;
using Relens.Web.Api;

namespace Relens.Web;

/// <summary>One test subject at one layer: the LM's answer and the LRE's top 3 (from sample_faithfulness records).</summary>
public sealed record SubjectAnswer(int Trial, string Subject, string Object, string Lm, string[] Lre, double[] P, bool Hit);

/// <summary>One causality edit at a trial's best rank (from sample_causality records).</summary>
public sealed record CausalityExample(int Trial, int? Rank, string Subject, string Object, string TargetSubject, string TargetObject, string Result, bool Success);

public sealed record RelationDetail(
    RelationSummary Summary, string? Lre, string? Layer, IReadOnlyList<string> AvailableLayers,
    IReadOnlyList<SubjectAnswer> Samples, IReadOnlyList<CausalityExample> Edits);

/// <summary>Assembles GET /api/relations/{name}: the summary's per-layer numbers plus the per-sample records of one layer.</summary>
public static class RelationDetails
{
    /// <param name="layer">"emb" or a block number; null = the causality-best layer (where the summary's F and C are read).</param>
    public static RelationDetail Build(RunResults run, string nameOrStem, string? layer)
    {
        var summary = run.Relation(nameOrStem);
        var available = summary.Layers.Select(l => l.Layer).ToList();
        string? shown = summary.CausalityBestLayer ?? available.FirstOrDefault();
        if (layer is not null)
        {
            if (!LayerRef.TryParse(layer, out var parsed) || !available.Contains(parsed.ToString()))
                throw ApiException.BadRequest($"layer '{layer}' has no results for '{summary.Relation}'; layers: {string.Join(", ", available)}");
            shown = parsed.ToString();
        }
        var records = shown is null ? [] : run.Records(summary.Relation).Where(r => r.Layer?.ToString() == shown).ToList();
        var samples = records.Where(r => r.Metric == SweepMetrics.SampleFaithfulness)
            .OrderBy(r => r.Trial).Select(Answer).ToList();
        var edits = records.Where(r => r.Metric == SweepMetrics.SampleCausality)
            .OrderBy(r => r.Trial).Select(Edit).ToList();
        var lre = run.Folder.HasLre(summary.Relation) ? RunFolder.Stem(summary.Relation) : null;
        return new RelationDetail(summary, lre, shown, available, samples, edits);
    }

    private static SubjectAnswer Answer(SweepRecord r)
    {
        var note = ParseNote(r.Note);
        return new SubjectAnswer(r.Trial, r.Subject ?? "", Str(note, "object"), Str(note, "lm"),
            note?["lre"] is JsonArray a ? a.Select(x => x?.ToString() ?? "").ToArray() : [],
            note?["p"] is JsonArray p ? p.Select(x => x is JsonValue v && v.TryGetValue<double>(out var d) ? d : 0).ToArray() : [],
            r.Value >= 0.5);
    }

    private static CausalityExample Edit(SweepRecord r)
    {
        var note = ParseNote(r.Note);
        return new CausalityExample(r.Trial, r.Rank, r.Subject ?? "", Str(note, "object"), Str(note, "target_subject"),
            Str(note, "target_object"), Str(note, "result"), r.Value >= 0.5);
    }

    private static string Str(JsonNode? note, string field) => note?[field] is JsonValue v && v.TryGetValue<string>(out var s) ? s : "";

    // A note written by another version may lack fields or not be JSON: show what is there rather than fail the page.
    private static JsonNode? ParseNote(string? note)
    {
        if (string.IsNullOrEmpty(note)) return null;
        try { return JsonNode.Parse(note); }
        catch (JsonException) { return null; }
    }
}
