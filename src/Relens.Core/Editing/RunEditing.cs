using Relens.Evaluation.Records;
using Relens.Models;
using Relens.Relations;
using Relens.Reporting;
using Relens.Reporting.Charts;
using Relens.Runs;

namespace Relens.Editing;

/// <summary>`relens run --edits FILE`: the edits, read and checked before the model loads.</summary>
public sealed record RunEditSettings(string File, IReadOnlyList<EditRequest> Edits)
{
    /// <summary>null without --edits; an error for what cannot work, before any model is loaded.</summary>
    public static RunEditSettings? Read(string? file, bool sharded, bool quantized)
    {
        if (file is null) return null;
        if (sharded) throw new RelensException("--edits does not work with --shard: run `relens edit --experiment --edits FILE` on the merged run's model instead");
        if (quantized) throw new RelensException("--edits writes edits into the model's own weights and cannot edit quantized ones: drop --quantize, or run `relens edit --experiment` on the model folder");
        return new RunEditSettings(Path.GetFullPath(file), EditFile.Read(file));
    }

    /// <summary>The experiment's singles: the file's first 20 (issue 14's table), or all of a shorter file.</summary>
    public int Singles => Math.Min(ExperimentSettings.DefaultSingles, Edits.Count);

    /// <summary>The batches of 1, 10, 50 and 100 that the file holds, and all its edits at once.</summary>
    public IReadOnlyList<int> Batches => ExperimentSettings.DefaultBatches.Where(b => b <= Edits.Count).Append(Edits.Count).Distinct().Order().ToList();
}

/// <summary>
/// `relens run --edits FILE`: after the sweeps, the editing experiment of `relens edit --experiment`
/// (<see cref="ExperimentFolder"/>, the same code) on the run's model with the file's edits, written to the run
/// folder's editing/ and shown in report.html (<see cref="EditingSection"/>). The arms: the LRE-guided edit at `emb`,
/// at the block where the edited relations' causality was best in this run (their most common causality-best layer,
/// when it is a block the model can edit there), and fine-tuning. Shots, seed and β are the run's.
/// </summary>
public static class RunEditing
{
    /// <returns>Notes for the report (the layers chosen and why; what stopped the experiment).</returns>
    public static IReadOnlyList<string> Write(LanguageModel lm, RunPlan plan, IReadOnlyList<SweepRecord> records, RunEditSettings settings, Action<string> stage)
    {
        var notes = new List<string>();
        string dir = plan.Folder.EditingDirectory;
        try
        {
            // a resumed run measures the edits again: the old sets would otherwise mix with the new ones
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
            using var session = EditSession.ForModel(lm, plan.Dataset.Root, null);
            var s = plan.Settings;
            var layers = Layers(lm, session, plan, records, settings, notes);
            var options = new EditOptions { Shots = s.Shots, Seed = s.Seed, Beta = s.Beta, Layer = layers[0] };
            var experiment = new ExperimentSettings(settings.Singles, settings.Batches, ExperimentArm.For([EditMethod.LreRank1, EditMethod.FineTune], layers), options);
            stage($"editing: {settings.Edits.Count} edits from {settings.File}; {experiment.Singles} singles, batches {string.Join("/", experiment.Batches)}, "
                + $"arms {string.Join(", ", experiment.Arms.Select(a => a.Name))}");
            var rows = ExperimentFolder.Run(session, settings.Edits, experiment, dir, stage);
            File.WriteAllText(Path.Combine(dir, "editing.svg"), EditCurvesChart.Svg(rows, ExperimentFolder.ModelName(lm.Directory)));
        }
        catch (RelensException e)
        {
            notes.Add($"editing experiment stopped: {e.Message}");
        }
        return notes;
    }

    /// <summary>`emb`, and the edited relations' most common causality-best layer of this run if it is a block the
    /// model can edit (an MLP output projection, and text for C).</summary>
    private static List<LayerRef> Layers(LanguageModel lm, EditSession session, RunPlan plan, IReadOnlyList<SweepRecord> records,
        RunEditSettings settings, List<string> notes)
    {
        var layers = new List<LayerRef> { LayerRef.Embedding };
        var edited = settings.Edits.Select(e => plan.Dataset.TryFind(e.Relation, out var r) ? r.Name : e.Relation).ToHashSet();
        var relations = plan.Relations.Where(r => edited.Contains(r.Name)).ToList();
        if (relations.Count == 0) return layers;
        var best = RunSummarizer.Summarize(records, relations, lm.Tokenizer, plan.Settings.Beta).Relations
            .Select(r => r.CausalityBestLayer).OfType<string>().Select(LayerRef.Parse).ToList();
        if (best.Count == 0) return layers;
        var layer = best.GroupBy(l => l).OrderByDescending(g => g.Count()).ThenBy(g => g.Key.Block ?? -1).First().Key;
        if (layer.Block is not { } block) return layers;
        string why = $"layer {layer} is the causality-best layer of {best.Count(l => l == layer)} of the {best.Count} edited relations in this run";
        if (lm.Model.MlpOutputProjection(block) is null) notes.Add($"editing: {why}, but this model's MLP output there cannot be edited in closed form; only emb and fine-tuning are compared");
        else if (session.Text is null) notes.Add($"editing: {why}, but an MLP edit needs text for its key statistics (a world model's corpus); only emb and fine-tuning are compared");
        else
        {
            layers.Add(layer);
            notes.Add($"editing: the LRE-guided edit is compared at emb and at block {block} ({why})");
        }
        return layers;
    }
}
