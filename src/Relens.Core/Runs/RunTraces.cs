using Relens.Models;
using Relens.Relations;
using Relens.Reporting;
using Relens.Tracing;

namespace Relens.Runs;

/// <summary>What `relens run --trace` traces: a bounded number of each relation's known facts, in these kinds.</summary>
public sealed record RunTraceSettings
{
    /// <summary>Known facts traced per relation (the first ones of trial 0's test set); bounds the extra time.</summary>
    public int MaxFacts { get; init; } = 10;
    public IReadOnlyList<TraceKind> Kinds { get; init; } = TraceKinds.All;
    /// <summary>Samples, seed and windows; windows not given (<see cref="WindowsGiven"/>) are clamped to the model.</summary>
    public TraceOptions Options { get; init; } = new();
    public bool WindowsGiven { get; init; }

    public void Validate()
    {
        if (MaxFacts < 1) throw new RelensException($"--trace-facts must be at least 1, got {MaxFacts}");
        Options.Validate(int.MaxValue);
    }

    /// <summary>The options for a model of <paramref name="numLayers"/> layers (windows clamped unless given), checked:
    /// `relens run` calls it right after loading the model, so a window too large fails before the sweeps.</summary>
    public TraceOptions ForModel(int numLayers)
    {
        if (WindowsGiven && Options.Window > numLayers) throw new RelensException($"--trace-window {Options.Window} is larger than the model ({numLayers} layers)");
        var options = Options.ClampWindows(numLayers, WindowsGiven, WindowsGiven);
        options.Validate(numLayers);
        return options;
    }
}

/// <summary>
/// `relens run --trace`: after the sweeps, each relation's known facts traced with the run's own prompts (trial 0's
/// n-shot split, <see cref="TraceFacts"/>, which applies the run's known-fact filter) and averaged by token role,
/// written to the run folder's traces/ for report.html and `relens report`.
/// </summary>
public static class RunTraces
{
    /// <returns>Notes for the report (relations with nothing to trace, or that failed).</returns>
    public static IReadOnlyList<string> Write(LanguageModel lm, RunPlan plan, IEnumerable<Relation> relations, RunTraceSettings settings, Action<string> stage)
    {
        var notes = new List<string>();
        var tracer = new CausalTracer(lm, settings.ForModel(lm.Model.NumLayers));
        var json = TraceJson.Settings(tracer, lm.Directory);
        Directory.CreateDirectory(plan.Folder.TraceDirectory);
        foreach (var relation in relations)
        {
            var s = plan.SettingsFor(relation);
            try
            {
                var facts = TraceFacts.Select(lm, relation, s.Shots, s.Seed, zeroShot: false, settings.MaxFacts);
                if (facts.Known.Count == 0)
                {
                    notes.Add($"{relation.Name}: no known fact under trial 0's prompts, so no causal trace");
                    continue;
                }
                stage($"tracing {relation.Name}: {facts.Known.Count} known facts × {string.Join(",", settings.Kinds.Select(k => k.Name()))}");
                var result = RelationTrace.Run(tracer, relation.Name, facts, settings.Kinds);
                TraceJson.Write(plan.Folder.TracePath(relation.Name), TraceJson.Relation(result, json));
            }
            catch (RelensException e)
            {
                notes.Add($"{relation.Name}: trace skipped: {e.Message}");
            }
        }
        return notes;
    }

    /// <summary>The saved traces of <paramref name="relations"/> in the folder (none when the run was not traced).</summary>
    public static IReadOnlyList<SavedRelationTrace> Load(RunFolder folder, IEnumerable<string> relations, List<string> notes)
    {
        var traces = new List<SavedRelationTrace>();
        foreach (var name in relations)
        {
            string path = folder.TracePath(name);
            if (!File.Exists(path)) continue;
            try { traces.Add(SavedRelationTrace.Load(path)); }
            catch (RelensException e) { notes.Add($"{name}: trace not shown: {e.Message}"); }
        }
        return traces;
    }
}
