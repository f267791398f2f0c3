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
    string? TextDescription, IReadOnlyDictionary<string, double> Seconds, string? TextFile = null, string? RelationsDir = null);

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
        var clock = Stopwatch.StartNew();
        using var session = EditSession.Open(modelDir, relationsDir, textFile);
        double load = clock.Elapsed.TotalSeconds;
        return Edit(session, requests, outDir, o, log, load);
    }

    /// <summary>
    /// One edit set on <paramref name="session"/>'s model: the edited folder is published to <paramref name="outDir"/>,
    /// or, when it is null, measured in a temporary folder and discarded (the experiment keeps only edits.json).
    /// </summary>
    public static EditRun Edit(EditSession session, IReadOnlyList<EditRequest> requests, string? outDir, EditOptions o, Action<string> log, double loadSeconds = 0)
    {
        if (outDir is not null) EditedFolder.CheckTarget(outDir);
        var lm = session.Lm;
        var seconds = new Dictionary<string, double> { ["load"] = loadSeconds };
        var clock = Stopwatch.StartNew();
        var plan = EditPlanner.Plan(lm, session.Dataset, requests, o, log);
        seconds["plan"] = Lap(clock);
        if (o.Method == EditMethod.LreRank1 && session.Text is null && plan.Edits.Any(e => !e.Layer.IsEmbedding))
            throw new RelensException("an MLP edit needs text for the key statistics C = E[k kᵀ]: give --text FILE (the world corpus is used for world models)");

        var contexts = RetentionContexts(lm, session.Dataset, plan, o);
        var before = EditEvaluation.Before(session, contexts, o.FluencyTokens);
        var reference = EditEvaluation.RepresentationEdit(lm, plan.Edits);
        seconds["measure_before"] = Lap(clock);
        log($"unedited model: {before.Relations.Sum(r => r.Known.Count)} known facts in {before.Relations.Count} relations"
            + (before.Perplexity is { } p ? $", perplexity {p:F3}" : ""));

        FineTuneResult? fineTune = null;
        using var changes = o.Method == EditMethod.LreRank1 ? LreChanges(session, plan, o, seconds) : FineTuned(lm.Directory, plan, o, log, out fineTune);
        seconds[o.Method == EditMethod.LreRank1 ? "update" : "finetune"] = Lap(clock) - seconds.GetValueOrDefault("statistics");

        string staging = outDir is not null ? EditedFolder.Staging(outDir) : EditedFolder.Staging(Path.Combine(Path.GetTempPath(), "relens-edit"));
        try
        {
            EditedFolder.Write(lm.Directory, staging, changes);
            seconds["write"] = Lap(clock);
            using var edited = LanguageModel.Load(staging);
            var (metrics, outcomes) = EditEvaluation.Measure(edited, plan.Edits, before, o.FluencyTokens);
            seconds["measure_after"] = Lap(clock);
            seconds["edit_total"] = seconds["plan"] + seconds.GetValueOrDefault("statistics") + seconds.GetValueOrDefault("update") + seconds.GetValueOrDefault("finetune");
            var run = new EditRun(lm.Directory, o, plan, metrics, outcomes, reference, changes.Described, changes.Untied, fineTune, session.Text?.Description, seconds,
                session.Text?.SourceFile, session.RelationsDir);
            if (outDir is null) { EditedFolder.Discard(staging); return run; }
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

    /// <summary>
    /// `relens edit --eval`: re-measures an edited folder against the source model its edits.json names, with the
    /// settings it records (the plan is made again on the source, so the same facts are checked): the relations folder
    /// and --text file of the edit unless <paramref name="relationsDir"/> is given (a world model's text is its corpus).
    /// Folders written before edits.json recorded them use the default relations and leave fluency out for a --text edit.
    /// </summary>
    public static EditMetrics Reevaluate(string dir, string? relationsDir)
    {
        var json = EditsJson.Read(dir);
        string file = Path.Combine(dir, EditsJson.FileName);
        string source = json["source_model"]?.GetValue<string>() ?? throw RelensException.InFile(file, "has no source_model");
        var settings = json["settings"]?.AsObject() ?? throw RelensException.InFile(file, "has no settings");
        EditOptions options;
        List<EditRequest> requests;
        string? textFile = settings["text_file"]?.GetValue<string>();
        relationsDir ??= settings["relations"]?.GetValue<string>();
        if (textFile is not null && !File.Exists(textFile))
            throw RelensException.InFile(file, $"names the text file {textFile} (text_file), which no longer exists: fluency cannot be measured on the same text");
        try
        {
            options = new EditOptions
            {
                Layer = settings["layer"]!.GetValue<string>() is var l && l != "auto" ? LayerRef.Parse(l) : null,
                Rank = settings["rank"] is System.Text.Json.Nodes.JsonValue r && r.TryGetValue<int>(out int rank) ? rank : null,
                Shots = settings["shots"]!.GetValue<int>(),
                Seed = settings["seed"]!.GetValue<long>(),
                Beta = settings["beta"]!.GetValue<double>(),
                FluencyTokens = settings["fluency_tokens"]!.GetValue<long>(),
            };
            requests = json["edits"]!.AsArray().Select(e => new EditRequest(e!["subject"]!.GetValue<string>(), e["relation"]!.GetValue<string>(),
                e["new_object"]!.GetValue<string>(), e["source"]!.GetValue<string>())).ToList();
        }
        catch (Exception e) when (e is NullReferenceException or InvalidOperationException or FormatException)
        {
            throw RelensException.InFile(file, $"is not a complete edits.json ({e.Message})");
        }
        using var session = EditSession.Open(source, relationsDir, textFile);
        var plan = EditPlanner.Plan(session.Lm, session.Dataset, requests, options);
        var before = EditEvaluation.Before(session, RetentionContexts(session.Lm, session.Dataset, plan, options), options.FluencyTokens);
        using var edited = LanguageModel.Load(dir);
        return EditEvaluation.Measure(edited, plan.Edits, before, options.FluencyTokens).Metrics;
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

    private static WeightChanges LreChanges(EditSession session, EditPlan plan, EditOptions o, Dictionary<string, double> seconds)
    {
        Tensor Covariance(int block)
        {
            var c = session.Covariance(block, o.StatisticsTokens, out double s);
            seconds["statistics"] = seconds.GetValueOrDefault("statistics") + s;
            return c;
        }
        return WeightChanges.ForLre(session.Lm, plan.Edits, Covariance, o.Lambda);
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
