using Relens.Evaluation;
using Relens.Lre;
using Relens.Models;
using Relens.Relations;
using TorchSharp;

namespace Relens.World;

/// <summary>One relation's LRE faithfulness per layer (mean over trials) against its majority baseline.</summary>
/// <param name="Faithfulness">Layer name → recall@1 per β of <see cref="WorldLreCheck.Betas"/>.</param>
/// <param name="Majority">Share of the known test facts whose object starts with the most common first
/// object token: what always giving one answer would score.</param>
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
/// The acceptance test for a world model: the paper's protocol (n-shot split, known-fact filter,
/// Jacobian LRE at each layer, recall@1 of the decoded LRE output) on the world's own relations, with a
/// majority-object baseline beside it.
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
        var sums = layers.ToDictionary(l => l.ToString(), _ => new double[Betas.Count]);
        double majority = 0, known = 0;
        int done = 0;
        for (int t = 0; t < trials; t++)
        {
            using var scope = torch.NewDisposeScope();
            var split = relation.Split(shots, seed + t);
            var train = split.Train.Samples;
            var test = split.Test.Samples;
            string template = IclPrompt.Template(relation.PromptTemplate, train, lm.PromptPrefix);
            var prompts = test.Select(s => SubjectPrompt.Create(lm, IclPrompt.FillQuery(template, s.Subject), s.Subject)).ToList();
            using var states = PromptStates.Read(lm, prompts, layers.ToList());
            var knownIdx = KnownFacts.Indices(lm, states, test);
            if (knownIdx.Count == 0) { log?.Invoke($"{relation.Name} trial {t}: no known test fact"); continue; }
            var knownSamples = knownIdx.Select(i => test[i]).ToList();
            known += knownSamples.Count;
            majority += MajorityShare(lm, knownSamples);
            var index = torch.tensor(knownIdx.Select(i => (long)i).ToArray());
            // one Jacobian pass per training prompt gives every layer's LRE
            var lres = LreEstimator.EstimateLayers(lm, relation.Name, relation.PromptTemplate, train, layers, Betas[0]);
            foreach (var lre in lres)
            {
                using var _ = lre;
                var layer = lre.Layer;
                var h = states.H(layer).index_select(0, index);
                for (int b = 0; b < Betas.Count; b++)
                {
                    using var scaled = lre.WithBeta(Betas[b]);
                    var (ids, probs) = Decoding.TopK(lm.Model, scaled.Apply(h), 3);
                    sums[layer.ToString()][b] += Evaluation.Faithfulness.Score(lm, "LRE", ids, probs, knownSamples).Recall1;
                }
            }
            done++;
            log?.Invoke($"{relation.Name} trial {t}: {knownSamples.Count}/{test.Count} known");
        }
        int n = Math.Max(1, done);
        return new WorldLreResult(relation.Name, done, known / n, majority / n,
            sums.ToDictionary(kv => kv.Key, kv => kv.Value.Select(v => v / n).ToArray()));
    }

    // first token of the object as it follows the prompt (after a space), as the LRE's answer would be compared
    private static double MajorityShare(LanguageModel lm, IReadOnlyList<RelationSample> samples) =>
        ObjectBaselines.Majority(samples.Select(s => s.Object).ToList(), o => lm.Tokenizer.Encode(" " + o, addSpecialTokens: false).Ids[0]);
}
