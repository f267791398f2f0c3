using Relens.Evaluation.Records;
using Relens.Models;
using Relens.Relations;
using Relens.Reporting;
using Relens.Runs;
using Relens.Sweeps;

namespace Relens.World;

/// <summary>One relation's LRE faithfulness per layer (mean over trials) against its majority baseline.</summary>
/// <param name="Faithfulness">Layer name → recall@1 per β of <see cref="WorldLreCheck.Betas"/>.</param>
/// <param name="Majority">Share of the relation's samples whose object starts with its most common first object
/// token — what always giving one answer would score; `relens run`'s majority share.</param>
public sealed record WorldLreResult(string Relation, int Trials, double KnownTestFacts, double Majority,
    IReadOnlyDictionary<string, double[]> Faithfulness)
{
    /// <summary>Best (layer, β, value) by mean recall@1.</summary>
    public (string Layer, double Beta, double Value) Best() => BestOf(Faithfulness);

    /// <summary>Best (layer, β, value) among blocks 1 and later: whether the relation is linear in a state the blocks
    /// have enriched, not only in the token embedding (`emb`) or right after the first block. Layer "" when none was measured.</summary>
    public (string Layer, double Beta, double Value) BestFromLayer1() =>
        BestOf(Faithfulness.Where(kv => int.TryParse(kv.Key, out int l) && l >= 1));

    /// <summary>Best β's faithfulness at <paramref name="layer"/>, or null when it was not measured.</summary>
    public double? At(string layer) => Faithfulness.TryGetValue(layer, out var v) && v.Length > 0 ? v.Max() : null;

    private static (string Layer, double Beta, double Value) BestOf(IEnumerable<KeyValuePair<string, double[]>> layers)
    {
        var best = layers.SelectMany(kv => kv.Value.Select((v, i) => (kv.Key, WorldLreCheck.Betas[i], v)))
            .OrderByDescending(x => x.v).FirstOrDefault();
        return (best.Key ?? "", best.Item2, best.v);
    }
}

/// <summary>
/// The LRE part of a world model's check: `relens run`'s own protocol (<see cref="RelationSweep"/>: n-shot split,
/// known-fact filter, one Jacobian LRE per layer, faithfulness over a small β grid) on the world's relations, without
/// causality and baselines, read back through <see cref="RunSummarizer"/> — so accuracy.json and a run agree on
/// which trials count and on the majority share.
/// </summary>
public static class WorldLreCheck
{
    public static IReadOnlyList<double> Betas { get; } = [1.0, 2.25, 4.0, 8.0];

    public static Relation ToRelation(WorldRelation r) =>
        new(r.Name, r.Category, [r.Template], [], RelationProperties.None,
            r.Facts.Select(f => new RelationSample(f.Subject, f.Object)).ToList());

    public static WorldLreResult Run(LanguageModel lm, WorldRelation world, IReadOnlyList<LayerRef> layers,
        int shots = 8, int trials = 2, long seed = 0, Action<string>? log = null)
    {
        var relation = ToRelation(world);
        var settings = new SweepSettings
        {
            Shots = shots, Trials = trials, Seed = seed, Layers = layers, Beta = Betas[1], Betas = Betas,
            Baselines = false, Causality = false,
        };
        // The sweep's records go to a scratch file: they describe this model only for this call.
        string path = Path.Combine(Path.GetTempPath(), $"relens-world-lre-{Guid.NewGuid():N}.jsonl");
        try
        {
            using (var store = SweepRecordStore.Open(path))
                new RelationSweep(lm, settings, store, log).Run(relation);
            return FromRecords(relation, SweepRecordStore.ReadAll(path), lm);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static WorldLreResult FromRecords(Relation relation, IReadOnlyList<SweepRecord> records, LanguageModel lm)
    {
        var summary = RunSummarizer.Summarize(records, [relation], lm.Tokenizer, Betas[1]).Relations[0];
        var valid = RunTrials.Valid(records).ToHashSet(); // the summary's own rule for which trials count
        var recall = records.Where(r => r.Metric == SweepMetrics.Recall(1) && r.Layer is not null && valid.Contains(r.Trial)).ToList();
        var faithfulness = recall.GroupBy(r => r.Layer!.Value.ToString()).ToDictionary(g => g.Key,
            g => Betas.Select(b => g.Where(r => r.Beta == b).Select(r => r.Value).DefaultIfEmpty(0).Average()).ToArray());
        double known = records.Where(r => r.Metric == SweepMetrics.KnownCount && valid.Contains(r.Trial)).Select(r => r.Value).DefaultIfEmpty(0).Average();
        return new WorldLreResult(relation.Name, valid.Count, known, summary.Majority, faithfulness);
    }
}
