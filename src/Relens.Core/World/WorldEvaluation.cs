using Relens.Models;

namespace Relens.World;

/// <summary>Knowledge, probes and LRE faithfulness of a saved world model on its world's relations.</summary>
public sealed record WorldReport(KnowledgeReport Knowledge, IReadOnlyList<WorldProbeResult> Probes, IReadOnlyList<WorldLreResult> Lre)
{
    /// <summary>Knowledge of the facts never shown in the template form (<see cref="CorpusMix.HeldOutShare"/>), or null without that split.</summary>
    public KnowledgeReport? HeldOutKnowledge { get; init; }

    /// <summary>The issue's bar: relations with best-layer faithfulness ≥ 0.6 and at least
    /// <paramref name="margin"/> above their majority baseline; with <paramref name="fromLayer1"/>, at a layer ≥ 1.</summary>
    public IReadOnlyList<WorldLreResult> FaithfulRelations(double threshold = 0.6, double margin = 0.2, bool fromLayer1 = false) =>
        Lre.Where(r => r.Trials > 0 && (fromLayer1 ? r.BestFromLayer1() : r.Best()) is var b && b.Layer.Length > 0
            && b.Value >= threshold && b.Value >= r.Majority + margin).ToList();
}

public static class WorldEvaluation
{
    public static WorldReport Run(string modelDir, WorldCorpus corpus, int lreTrials, Action<string> log, bool probes = true)
    {
        using var lm = LanguageModel.Load(modelDir);
        var layers = LayerRef.All(lm.Model.NumLayers).ToList();
        var knowledge = IclKnowledge.Measure(lm.Model, lm.Tokenizer, corpus.Relations);
        log($"knowledge: overall {knowledge.Overall:F3}, worst relation {knowledge.WorstRelation:F3}");
        var heldOut = corpus.HeldOut.Count == 0 ? null
            : knowledge.Subset(o => corpus.Relations.Any(r => r.Name == o.Relation && corpus.HeldOut.Contains((r.Id, o.Subject))));
        foreach (var (name, acc) in knowledge.PerRelation)
            log($"  {name,-30} {acc:F3}" + (heldOut?.PerRelation.TryGetValue(name, out var h) == true ? $"   held out (never in the template form) {h:F3}" : ""));
        if (heldOut is not null)
            log($"knowledge of the {heldOut.Facts.Count} held-out facts: {heldOut.Overall:F3}, worst relation {heldOut.WorstRelation:F3}");
        var probeResults = new List<WorldProbeResult>();
        if (probes)
        {
            log("linear probe at the subject's last token, held-out subjects (layers " + string.Join(" ", layers) + ") | majority");
            foreach (var r in corpus.Relations)
            {
                var p = WorldProbe.Run(lm, r, layers);
                probeResults.Add(p);
                log($"  {r.Name,-30} {string.Join(" ", p.Accuracy.Values.Select(v => v.ToString("F2")))} | {p.Majority:F2}{(p.UnembeddingTargets ? " (unembedding targets)" : "")}");
            }
        }
        var lre = new List<WorldLreResult>();
        if (lreTrials > 0)
        {
            log($"LRE faithfulness (n = 8, {lreTrials} trials; best layer and β over {string.Join("/", WorldLreCheck.Betas)}) | majority");
            foreach (var r in corpus.Relations.Where(r => r.Facts.Count > 9))
            {
                var res = WorldLreCheck.Run(lm, r, layers, trials: lreTrials);
                lre.Add(res);
                var best = res.Best();
                var at225 = res.Faithfulness.Select(kv => kv.Value[1]).DefaultIfEmpty(0).Max();
                var later = res.BestFromLayer1();
                log($"  {r.Name,-30} best {best.Value:F2} (layer {best.Layer}, β {best.Beta}) β=2.25 best layer {at225:F2} | emb {res.At("emb") ?? 0:F2}, " +
                    $"best ≥ 1 {later.Value:F2} (layer {later.Layer}) | majority {res.Majority:F2} | known {res.KnownTestFacts:F1}");
            }
        }
        return new WorldReport(knowledge, probeResults, lre) { HeldOutKnowledge = heldOut };
    }
}
