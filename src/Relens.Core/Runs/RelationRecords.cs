using System.Text.Json;
using Relens.Evaluation.Records;
using Relens.Relations;
using Relens.Sweeps;

namespace Relens.Runs;

/// <summary>
/// The records a run writes for a relation before sweeping it: the settings it runs with, its skipped samples
/// and, if it cannot be swept, why. They sit in results.jsonl beside the sweep's own records (trial 0, no layer),
/// so the summary and `relens report` read them from the same place.
/// </summary>
public static class RelationRecords
{
    public static void Write(SweepRecordStore store, Relation relation, RunPlan plan, SweepSettings settings)
    {
        plan.Hparams.TryGetValue(relation.Name, out var h);
        var note = new
        {
            layers = settings.Layers?.Select(l => l.ToString()).ToList(),
            betas = settings.Betas,
            ranks = settings.Ranks,
            paper_hparams = h is null ? null : new
            {
                model = h.ModelKey, h_layer = h.HLayer.ToString(), h_layer_edit = h.HLayerEdit.ToString(),
                beta = h.Beta, rank = h.Rank, file = h.SourceFile,
            },
        };
        store.AppendIfAbsent(SweepRecord.For(Key(relation, SweepMetrics.RelationSettings, beta: settings.Beta), settings.Layers?.Count ?? 0, JsonSerializer.Serialize(note)));
        foreach (var s in plan.SkippedSamples.GetValueOrDefault(relation.Name) ?? [])
            store.AppendIfAbsent(SweepRecord.For(Key(relation, SweepMetrics.SampleSkipped, subject: s.Subject), 1, s.Reason));
        if (plan.NotRunnable.TryGetValue(relation.Name, out var why))
            store.AppendIfAbsent(SweepRecord.For(Key(relation, SweepMetrics.RelationSkipped), relation.Samples.Count, why));
    }

    private static SweepKey Key(Relation r, string metric, double? beta = null, string? subject = null) =>
        new(r.Name, 0, null, metric, beta, null, subject);
}
