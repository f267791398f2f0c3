using Relens.Evaluation.Records;
using Relens.Models;
using Relens.Relations;
using Relens.Sweeps;
using Relens.Tokenization;

namespace Relens.Reporting;

/// <summary>
/// Turns sweep records into the paper's summaries (LRE-METHOD §8–§9): per layer, the mean over valid trials
/// of recall@1 at fixed β and of each trial's best causality over ranks; the faithfulness-best and
/// causality-best layers; per relation F and C at the causality-best layer; per-category means (F under
/// faithfulness-best settings); Pearson R(F, C). Averages go over samples, then trials, then relations.
/// </summary>
public static class RunSummarizer
{
    public static RunSummary Summarize(IReadOnlyList<SweepRecord> records, IEnumerable<Relation> relations, ITokenizer tokenizer, double beta) =>
        Summarize(records, relations, ObjectBaselines.FirstTokenId(tokenizer), beta);

    /// <summary>As above, with objects keyed for the chance baselines by <paramref name="firstToken"/> (the tokenizer's first token id).</summary>
    public static RunSummary Summarize<TKey>(IReadOnlyList<SweepRecord> records, IEnumerable<Relation> relations, Func<string, TKey> firstToken, double beta)
        where TKey : notnull
    {
        var byRelation = records.GroupBy(r => r.Relation).ToDictionary(g => g.Key, g => g.ToList());
        var summaries = relations
            .Select(rel => SummarizeRelation(rel, byRelation.GetValueOrDefault(rel.Name) ?? [], firstToken, beta))
            .ToList();
        var valid = summaries.Where(s => s.ValidTrials > 0).ToList();
        var categories = valid.GroupBy(s => s.Category).OrderBy(g => g.Key).Select(g => new CategorySummary
        {
            Category = g.Key,
            Relations = g.Count(),
            Faithfulness = g.Average(s => s.FaithfulnessAtBestLayer),
            Causality = g.Average(s => s.Causality),
            FaithfulnessBaselines = MeanOf(g.Select(s => At(s, s.FaithfulnessBestLayer)?.FaithfulnessBaselines)),
            CausalityBaselines = MeanOf(g.Select(s => At(s, s.CausalityBestLayer)?.CausalityBaselines)),
        }).ToList();
        return new RunSummary
        {
            Relations = summaries,
            Categories = categories,
            PearsonR = valid.Count >= 3 ? Pearson(valid.Select(s => s.Faithfulness).ToArray(), valid.Select(s => s.Causality).ToArray()) : null,
            MeanFaithfulness = valid.Count > 0 ? valid.Average(s => s.Faithfulness) : 0,
            MeanCausality = valid.Count > 0 ? valid.Average(s => s.Causality) : 0,
        };
    }

    /// <summary>h_layer and h_layer_edit from a relation_settings record written under --paper-hparams, else null.</summary>
    private static (string, string)? PaperLayers(SweepRecord? settings)
    {
        if (settings?.Note is not { } note) return null;
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(note);
            return doc.RootElement.TryGetProperty("paper_hparams", out var h) && h.ValueKind == System.Text.Json.JsonValueKind.Object
                ? (h.GetProperty("h_layer").GetString()!, h.GetProperty("h_layer_edit").GetString()!)
                : null;
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException) { return null; }
    }

    public static LayerSummary? At(RelationSummary s, string? layer) => s.Layers.FirstOrDefault(l => l.Layer == layer);

    private static RelationSummary SummarizeRelation<TKey>(Relation relation, List<SweepRecord> records, Func<string, TKey> firstToken, double beta)
        where TKey : notnull
    {
        var objects = relation.Samples.Select(s => s.Object).ToList();
        var settings = records.FirstOrDefault(r => r.Metric == SweepMetrics.RelationSettings);
        beta = settings?.Beta ?? beta;   // a relation run with the paper's hparams has its own β
        var skippedSamples = records.Where(r => r.Metric == SweepMetrics.SampleSkipped)
            .Select(r => new SkippedSampleSummary(r.Subject ?? "", r.Note ?? "")).ToList();
        string? notRun = records.FirstOrDefault(r => r.Metric == SweepMetrics.RelationSkipped)?.Note;
        var skipped = records.Where(r => r.Metric == SweepMetrics.TrialSkipped).Select(r => r.Trial).ToHashSet();
        var trials = records.Where(r => r.Metric == SweepMetrics.KnownCount && !skipped.Contains(r.Trial)).Select(r => r.Trial).Distinct().Order().ToList();
        var done = records.Where(r => r.Metric == SweepMetrics.UnitDone && r.Layer is not null).ToList();
        var baseSummary = new RelationSummary
        {
            Relation = relation.Name,
            Category = relation.Category,
            Samples = relation.Samples.Count,
            DistinctObjects = objects.Distinct().Count(),
            Chance = ObjectBaselines.Chance(objects, firstToken),
            Majority = ObjectBaselines.Majority(objects, firstToken),
            ValidTrials = trials.Count,
            MeanKnown = Mean(records.Where(r => r.Metric == SweepMetrics.KnownCount).Select(r => r.Value)),
            MeanTest = Mean(records.Where(r => r.Metric == SweepMetrics.TestCount).Select(r => r.Value)),
            SkippedSamples = skippedSamples,
            Beta = settings?.Beta,
        };
        if (notRun is not null) return baseSummary with { Note = notRun };
        if (trials.Count == 0)
            return baseSummary with { Note = records.All(r => r.Metric is SweepMetrics.RelationSettings or SweepMetrics.SampleSkipped) ? "not run" : "no trial had enough LM-known test facts" };

        // a layer counts once every valid trial finished it, so partial (interrupted) runs summarise what is complete
        var layers = done.GroupBy(r => r.Layer!.Value).Where(g => trials.All(t => g.Any(r => r.Trial == t)))
            .Select(g => g.Key).OrderBy(l => l.Block ?? -1).ToList();
        var layerSummaries = layers.Select(layer => SummarizeLayer(layer, records.Where(r => r.Layer == layer).ToList(), trials, beta)).ToList();
        if (layerSummaries.Count == 0) return baseSummary with { Note = "no layer finished yet" };
        var bestF = layerSummaries.OrderByDescending(l => l.Faithfulness).First();   // OrderBy is stable: ties keep the earlier layer
        var bestC = layerSummaries.OrderByDescending(l => l.Causality).First();
        // with the paper's hparams the layers are the paper's choice (h_layer, h_layer_edit), not re-selected here
        if (PaperLayers(settings) is var (fLayer, cLayer))
        {
            bestF = layerSummaries.FirstOrDefault(l => l.Layer == fLayer) ?? bestF;
            bestC = layerSummaries.FirstOrDefault(l => l.Layer == cLayer) ?? bestC;
        }
        return baseSummary with
        {
            Layers = layerSummaries,
            FaithfulnessBestLayer = bestF.Layer,
            CausalityBestLayer = bestC.Layer,
            Faithfulness = bestC.Faithfulness,
            Causality = bestC.Causality,
            FaithfulnessAtBestLayer = bestF.Faithfulness,
            BestRank = bestC.BestRank,
            Linear = bestC.Faithfulness >= 0.6,
        };
    }

    private static LayerSummary SummarizeLayer(LayerRef layer, List<SweepRecord> records, List<int> trials, double beta)
    {
        double PerTrial(Func<List<SweepRecord>, double?> f) =>
            Mean(trials.Select(t => f(records.Where(r => r.Trial == t).ToList())).Where(v => v is not null).Select(v => v!.Value));
        var recall = records.Where(r => r.Metric == SweepMetrics.Recall(1)).ToList();
        return new LayerSummary
        {
            Layer = layer.ToString(),
            Faithfulness = PerTrial(rs => rs.FirstOrDefault(r => r.Metric == SweepMetrics.Recall(1) && r.Beta == beta)?.Value),
            FaithfulnessBestBeta = PerTrial(rs => MaxOrNull(rs.Where(r => r.Metric == SweepMetrics.Recall(1)).Select(r => r.Value))),
            BestBeta = PerTrial(rs => rs.Where(r => r.Metric == SweepMetrics.Recall(1) && r.Beta is not null)
                .OrderByDescending(r => r.Value).ThenBy(r => r.Beta).FirstOrDefault()?.Beta),
            Causality = PerTrial(rs => MaxOrNull(rs.Where(r => r.Metric == SweepMetrics.Causality).Select(r => r.Value))),
            BestRank = PerTrial(rs => rs.FirstOrDefault(r => r.Metric == SweepMetrics.BestRank)?.Value),
            JacobianShare = PerTrial(rs => rs.FirstOrDefault(r => r.Metric == SweepMetrics.JacobianShare)?.Value),
            FaithfulnessBaselines = BaselineMeans(records, trials, "faithfulness_"),
            CausalityBaselines = BaselineMeans(records, trials, "causality_"),
        };
    }

    private static Dictionary<string, double> BaselineMeans(List<SweepRecord> records, List<int> trials, string prefix) =>
        records.Where(r => r.Metric.StartsWith(prefix) && trials.Contains(r.Trial))
            .GroupBy(r => r.Metric[prefix.Length..])
            .ToDictionary(g => g.Key, g => g.Average(r => r.Value));

    private static IReadOnlyDictionary<string, double> MeanOf(IEnumerable<IReadOnlyDictionary<string, double>?> dicts)
    {
        var list = dicts.Where(d => d is not null).Select(d => d!).ToList();
        return list.SelectMany(d => d.Keys).Distinct().ToDictionary(k => k, k => list.Where(d => d.ContainsKey(k)).Average(d => d[k]));
    }

    private static double? MaxOrNull(IEnumerable<double> values) { var l = values.ToList(); return l.Count > 0 ? l.Max() : null; }
    private static double Mean(IEnumerable<double> values) { var l = values.ToList(); return l.Count > 0 ? l.Average() : 0; }

    public static double? Pearson(double[] x, double[] y)
    {
        double mx = x.Average(), my = y.Average();
        double sxy = x.Zip(y).Sum(p => (p.First - mx) * (p.Second - my));
        double sxx = x.Sum(v => (v - mx) * (v - mx)), syy = y.Sum(v => (v - my) * (v - my));
        return sxx > 0 && syy > 0 ? sxy / Math.Sqrt(sxx * syy) : null;
    }
}
