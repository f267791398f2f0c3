using System.Text.Json;
using Relens.Evaluation.Records;
using Relens.Lens;
using Relens.Models;
using Relens.Relations;
using Relens.Reporting;
using Relens.Sweeps;

namespace Relens.Runs;

/// <summary>
/// One attribute-lens example per relation for the report: the relation's saved LRE applied to the n-shot
/// prompt (the LRE's own prompt template) of the first LM-known test subject the sweep scored at the
/// causality-best layer of the LRE's trial.
/// </summary>
public static class LensExamples
{
    public static IReadOnlyList<LensExample> Compute(LanguageModel lm, RunFolder folder, RunSummary summary, IReadOnlyList<SweepRecord> records,
        double beta, List<string> notes, int topK = 3)
    {
        var examples = new List<LensExample>();
        var byRelation = records.ToLookup(r => r.Relation);
        foreach (var s in summary.Relations)
        {
            if (s.CausalityBestLayer is null) continue;
            if (!folder.HasLre(s.Relation)) { notes.Add($"{s.Relation}: no saved LRE in {folder.LreDirectory}, so no lens example"); continue; }
            try
            {
                using var lre = folder.LoadLre(s.Relation, lm);
                if (!lre.Info.PromptTemplate.Contains(IclPrompt.Slot))
                    throw RelensException.InFile(folder.LrePrefix(s.Relation) + ".json", "prompt_template has no \"{}\" subject slot");
                var rel = byRelation[s.Relation].ToList();
                var sample = KnownSample(rel, lre.Layer, beta, lre.Info.TrainingSamples);
                if (sample is null) { notes.Add($"{s.Relation}: no LM-known test subject recorded at layer {lre.Layer}, so no lens example"); continue; }
                var prompt = IclPrompt.FillQuery(lre.Info.PromptTemplate, sample.Value.Subject);
                var lens = AttributeLens.Run(lm, prompt, lre, topK);
                examples.Add(new LensExample(s.Relation, sample.Value.Subject, sample.Value.Object, sample.Value.Lm, lre.Layer.ToString(), lre.Beta, lens));
            }
            catch (RelensException e)
            {
                notes.Add($"{s.Relation}: lens skipped: {e.Message}");
            }
        }
        return examples;
    }

    /// <summary>The first test subject scored at <paramref name="layer"/> in the trial whose training set the LRE was estimated on.</summary>
    private static (string Subject, string Object, string? Lm)? KnownSample(List<SweepRecord> records, LayerRef layer, double beta, IReadOnlyList<RelationSample> train)
    {
        string trainNote = JsonSerializer.Serialize(train.Select(t => t.Subject));
        int? trial = records.FirstOrDefault(r => r.Metric == SweepMetrics.KnownCount && r.Note == trainNote)?.Trial;
        var hit = records.FirstOrDefault(r => r.Metric == SweepMetrics.SampleFaithfulness && r.Layer == layer && r.Beta == beta
                                             && (trial is null || r.Trial == trial) && r.Subject is not null);
        if (hit is null) return null;
        string obj = "", lm = "";
        if (hit.Note is { } note)
        {
            using var doc = JsonDocument.Parse(note);
            if (doc.RootElement.TryGetProperty("object", out var o)) obj = o.GetString() ?? "";
            if (doc.RootElement.TryGetProperty("lm", out var l)) lm = l.GetString() ?? "";
        }
        return (hit.Subject!, obj, lm.Length > 0 ? lm : null);
    }
}
