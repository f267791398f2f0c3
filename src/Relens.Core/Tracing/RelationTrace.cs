using Relens.Models;
using Relens.Relations;

namespace Relens.Tracing;

/// <summary>A relation's traces: every known fact traced in each kind, and the role-aligned averages.</summary>
public sealed record RelationTraceResult(
    string Relation, string PromptNote, int Candidates, IReadOnlyList<TracePrompt> Facts,
    IReadOnlyDictionary<TraceKind, AveragedTrace> Averages, AveragedKnockout? Knockout,
    IReadOnlyList<StateTrace> Traces, IReadOnlyList<KnockoutTrace> Knockouts);

public static class RelationTrace
{
    /// <summary>Traces <paramref name="facts"/> in every kind of <paramref name="kinds"/> and averages them.
    /// <paramref name="progress"/> gets (done, total) after each prompt × kind.</summary>
    public static RelationTraceResult Run(CausalTracer tracer, string relation, TraceFacts.Selection facts, IReadOnlyList<TraceKind> kinds,
        Action<int, int>? progress = null)
    {
        var traces = new List<StateTrace>();
        var knockouts = new List<KnockoutTrace>();
        int total = facts.Known.Count * kinds.Count, done = 0;
        foreach (var prompt in facts.Known)
        {
            var answer = tracer.Clean(prompt);
            foreach (var kind in kinds)
            {
                if (kind == TraceKind.Knockout) knockouts.Add(tracer.Knockout(prompt, answer));
                else traces.Add(tracer.Trace(prompt, kind, answer));
                progress?.Invoke(++done, total);
            }
        }
        int layers = tracer.NumLayers;
        var averages = kinds.Where(k => k != TraceKind.Knockout)
            .ToDictionary(k => k, k => AveragedTrace.Of(k, traces.Where(t => t.Kind == k).ToList(), layers));
        var knockout = kinds.Contains(TraceKind.Knockout) ? AveragedKnockout.Of(knockouts, layers, tracer.Options.KnockoutWindow) : null;
        return new RelationTraceResult(relation, facts.PromptNote, facts.Candidates, facts.Known, averages, knockout, traces, knockouts);
    }
}
