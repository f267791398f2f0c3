using System.Diagnostics;
using Relens.Models;
using Relens.Relations;
using Relens.World;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Editing;

/// <summary>Everything one `relens edit` did (what edits.json holds).</summary>
public sealed record EditRun(string SourceModel, EditOptions Options, EditPlan Plan, EditMetrics Metrics, IReadOnlyList<EditOutcome> Outcomes,
    IReadOnlyList<EditOutcome> Reference, IReadOnlyList<ChangedTensor> Changed, bool Untied, FineTuneResult? FineTune,
    string? TextDescription, IReadOnlyDictionary<string, double> Seconds);

/// <summary>
/// `relens edit`: plan the edits (EditPlanner), measure the unedited model, change the weights (LRE-guided closed
/// form, or fine-tuning), write the edited folder to a staging folder, load it back and measure it there, write
/// edits.json, and only then move the folder to --out.
/// </summary>
public static class KnowledgeEditor
{
    public static EditRun Run(string modelDir, IReadOnlyList<EditRequest> requests, string outDir, EditOptions o,
        string? relationsDir, string? textFile, Action<string> log)
    {
        EditedFolder.CheckTarget(outDir);
        var seconds = new Dictionary<string, double>();
        var clock = Stopwatch.StartNew();
        using var lm = LanguageModel.Load(modelDir);
        seconds["load"] = Lap(clock);
        string relations = RelationDataRoot.Resolve(relationsDir);
        var dataset = Dataset(lm.Directory, relations);
        var plan = EditPlanner.Plan(lm, dataset, requests, o, log);
        seconds["plan"] = Lap(clock);
        var text = EditText.For(lm.Directory, textFile, relations);
        if (o.Method == EditMethod.LreRank1 && text is null && plan.Edits.Any(e => !e.Layer.IsEmbedding))
            throw new RelensException("an MLP edit needs text for the key statistics C = E[k kᵀ]: give --text FILE (the world corpus is used for world models)");

        var contexts = RetentionContexts(lm, dataset, plan, o);
        var before = EditEvaluation.Before(lm, contexts, text, o.FluencyTokens);
        var reference = EditEvaluation.RepresentationEdit(lm, plan.Edits);
        seconds["measure_before"] = Lap(clock);
        log($"unedited model: {before.Relations.Sum(r => r.Known.Count)} known facts in {before.Relations.Count} relations"
            + (before.Perplexity is { } p ? $", perplexity {p:F3}" : ""));

        FineTuneResult? fineTune = null;
        using var changes = o.Method == EditMethod.LreRank1 ? LreChanges(lm, plan, text, o, seconds) : FineTuned(lm.Directory, plan, o, log, out fineTune);
        seconds[o.Method == EditMethod.LreRank1 ? "update" : "finetune"] = Lap(clock);

        string staging = EditedFolder.Staging(outDir);
        try
        {
            EditedFolder.Write(lm.Directory, staging, changes);
            seconds["write"] = Lap(clock);
            using var edited = LanguageModel.Load(staging);
            var (metrics, outcomes) = EditEvaluation.Measure(edited, plan.Edits, before, o.FluencyTokens);
            seconds["measure_after"] = Lap(clock);
            seconds["edit_total"] = seconds["plan"] + seconds.GetValueOrDefault("statistics") + seconds.GetValueOrDefault("update") + seconds.GetValueOrDefault("finetune");
            var run = new EditRun(lm.Directory, o, plan, metrics, outcomes, reference, changes.Described, changes.Untied, fineTune, text?.Description, seconds);
            EditsJson.Write(staging, run);
            EditedFolder.Publish(staging, outDir);
            return run;
        }
        catch
        {
            EditedFolder.Discard(staging);
            throw;
        }
    }

    /// <summary>The relations folder, narrowed to a world model's taught facts (facts.json) as runs do.</summary>
    public static RelationDataset Dataset(string modelDir, string relationsDir)
    {
        var dataset = RelationDataset.Load(relationsDir);
        return WorldFactsFile.TryRead(modelDir) is { } taught ? Runs.RunPreflight.TaughtFactsOnly(dataset, taught) : dataset;
    }

    /// <summary>Retention is measured on every taught relation of a world model, else on the edited relations.</summary>
    public static IReadOnlyList<RelationContext> RetentionContexts(LanguageModel lm, RelationDataset dataset, EditPlan plan, EditOptions o)
    {
        var edited = plan.Edits.GroupBy(e => e.Relation).ToDictionary(g => g.Key, g => g.First().Context);
        var taught = WorldFactsFile.TryRead(lm.Directory);
        var names = taught is null ? edited.Keys.ToList() : dataset.Relations.Where(r => taught.ContainsKey(r.Name)).Select(r => r.Name).ToList();
        var contexts = new List<RelationContext>();
        foreach (var name in names)
        {
            if (edited.TryGetValue(name, out var c)) { contexts.Add(c); continue; }
            var relation = dataset.Find(name);
            if (relation.Samples.Count > o.Shots) contexts.Add(RelationContext.Create(lm, relation, new HashSet<string>(), o.Shots, o.Seed));
        }
        return contexts;
    }

    private static WeightChanges LreChanges(LanguageModel lm, EditPlan plan, EditText? text, EditOptions o, Dictionary<string, double> seconds)
    {
        var clock = Stopwatch.StartNew();
        var covariances = new Dictionary<int, Tensor>();
        try
        {
            Tensor Covariance(int block)
            {
                if (!covariances.TryGetValue(block, out var c))
                {
                    var sw = Stopwatch.StartNew();
                    covariances[block] = c = KeyStatistics.Estimate(lm, block, text!.Statistics, o.StatisticsTokens).C.DetachFromDisposeScope();
                    seconds["statistics"] = seconds.GetValueOrDefault("statistics") + sw.Elapsed.TotalSeconds;
                }
                return c;
            }
            return WeightChanges.ForLre(lm, plan.Edits, Covariance, o.Lambda);
        }
        finally
        {
            foreach (var c in covariances.Values) c.Dispose();
        }
    }

    private static WeightChanges FineTuned(string modelDir, EditPlan plan, EditOptions o, Action<string> log, out FineTuneResult result)
    {
        using var copy = LanguageModel.Load(modelDir);
        result = FineTuneEditor.Train(copy, plan.Edits, o.FineTune, log);
        var changes = new WeightChanges();
        foreach (var (name, p) in copy.Model.named_parameters()) changes.Set(name, p);
        changes.Described.Add(new ChangedTensor("(all parameters)", $"AdamW fine-tuning, {result.Steps} steps", null, double.NaN));
        return changes;
    }

    private static double Lap(Stopwatch clock) { double s = clock.Elapsed.TotalSeconds; clock.Restart(); return s; }
}
