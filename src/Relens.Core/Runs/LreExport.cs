using System.Text.Json;
using Relens.Evaluation.Records;
using Relens.Lre;
using Relens.Models;
using Relens.Relations;
using Relens.Reporting;
using Relens.Sweeps;

namespace Relens.Runs;

/// <summary>
/// Saves each relation's LRE to lres/: estimated at its causality-best layer on the training split of its
/// first valid trial (trial 0 unless that one had too few known facts), with the run's β. This is the LRE the
/// per-relation figure describes, so the report's lens and later `relens eval` runs use the same operator.
/// </summary>
public static class LreExport
{
    /// <summary>Estimates and saves the LRE unless an identical one (same layer, β and training samples) is already saved.
    /// Returns the prefix written or kept, or null when the relation has no causality-best layer yet.</summary>
    public static string? Ensure(LanguageModel lm, SweepSettings settings, Relation relation, RelationSummary summary,
        IReadOnlyList<SweepRecord> relationRecords, RunFolder folder, Action<string> log)
    {
        if (summary.CausalityBestLayer is not { } layerName) return null;
        var trials = RunTrials.Valid(relationRecords);
        if (trials.Count == 0) return null;
        var layer = LayerRef.Parse(layerName);
        var train = RunTrials.Train(relation, settings, trials[0]);
        string prefix = folder.LrePrefix(relation.Name);
        if (IsCurrent(prefix, layer, settings.Beta, train, lm.Identity)) return prefix;

        log($"{relation.Name}: saving its LRE (layer {layer}, trial {trials[0]}'s {train.Count} training samples)");
        using var lre = LreEstimator.Estimate(lm, relation.Name, relation.PromptTemplate, train, layer, settings.Beta, settings.Jacobian);
        LinearRelationFile.Save(lre, prefix);
        return prefix;
    }

    private static bool IsCurrent(string prefix, LayerRef layer, double beta, IReadOnlyList<RelationSample> train, string identity)
    {
        var (tensors, json) = LinearRelationFile.Paths(prefix);
        if (!File.Exists(json) || !File.Exists(tensors)) return false;
        try
        {
            var meta = JsonSerializer.Deserialize<LinearRelationFile.Metadata>(File.ReadAllText(json));
            return meta is not null && meta.Layer == layer.ToString() && meta.Beta == beta && meta.ModelIdentity == identity
                && meta.TrainingSamples.SequenceEqual(train);
        }
        catch (JsonException) { return false; }   // unreadable: estimate it again
    }
}
