using Relens.Models;
using Relens.Relations;

namespace Relens.Evaluation.Records;

/// <summary>
/// Identity of one measured value of a sweep: which relation, trial, layer, β, rank (and sample)
/// it was measured at, and which metric. A resumed sweep skips work whose keys are already stored.
/// </summary>
/// <param name="Relation">The relation's name.</param>
/// <param name="Trial">The trial (train/test split) number, from 0.</param>
/// <param name="Layer">The h layer, or null for values that do not depend on a layer (e.g. the known-sample count).</param>
/// <param name="Metric">What was measured, e.g. "recall@1", "causality@1", "n_known", "weight_norm".</param>
/// <param name="Beta">β, for values that depend on it.</param>
/// <param name="Rank">The rank ρ, for values that depend on it.</param>
/// <param name="Subject">A test subject, for per-sample values.</param>
public readonly record struct SweepKey(
    string Relation, int Trial, LayerRef? Layer, string Metric,
    double? Beta = null, int? Rank = null, string? Subject = null)
{
    public override string ToString() =>
        $"{Relation} trial {Trial}{(Layer is { } l ? $" layer {l}" : "")}{(Beta is { } b ? $" beta {b:R}" : "")}"
        + $"{(Rank is { } r ? $" rank {r}" : "")}{(Subject is { } s ? $" subject '{s}'" : "")} {Metric}";
}

/// <summary>
/// One line of a sweep's JSONL results file: a value and the key it was measured at.
/// The file format is <c>{"relation", "trial", "layer" ("emb" or an int), "metric", "beta", "rank",
/// "subject", "value", "note"}</c>, with absent optional fields left out.
/// </summary>
/// <param name="Note">Free text that is not part of the key (e.g. the trial's training subjects).</param>
public sealed record SweepRecord(
    string Relation, int Trial, LayerRef? Layer, string Metric, double Value,
    double? Beta = null, int? Rank = null, string? Subject = null, string? Note = null)
{
    public SweepKey Key => new(Relation, Trial, Layer, Metric, Beta, Rank, Subject);

    public static SweepRecord For(SweepKey key, double value, string? note = null) =>
        new(key.Relation, key.Trial, key.Layer, key.Metric, value, key.Beta, key.Rank, key.Subject, note);
}
