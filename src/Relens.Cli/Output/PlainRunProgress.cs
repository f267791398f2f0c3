using Relens.Relations;
using Relens.Reporting;
using Relens.Runs;

namespace Relens.Cli.Output;

/// <summary>Run progress as log lines, for redirected output and CI logs (no redraws, one line per event).</summary>
public sealed class PlainRunProgress(Terminal terminal) : IRunProgress
{
    private int _count, _done, _pending;

    public void RunStarted(IReadOnlyList<Relation> relations, IReadOnlyList<int> pendingUnits)
    {
        _count = relations.Count;
        terminal.Line($"{relations.Count} relations, {pendingUnits.Sum()} units (trial × layer) to compute");
    }

    public void RelationStarted(Relation relation, int index, int pendingUnits)
    {
        (_done, _pending) = (0, pendingUnits);
        terminal.Line($"[{index + 1}/{_count}] {relation.Name}: {pendingUnits} units" + (pendingUnits == 0 ? " (already done)" : ""));
    }

    public void UnitFinished(Relation relation) => _done++;

    // the sweep's own detail line already says so, with the threshold
    public void TrialSkipped(Relation relation, int trial, int known, int test) { }

    public void RelationFinished(Relation relation, RelationSummary summary, double seconds) =>
        terminal.Line($"  {RunText.Outcome(summary)} ({seconds:0.0} s, {_done}/{_pending} units)");

    public void Stage(string message) => terminal.Line(message);

    public void Detail(string message) => terminal.Line("  " + message);
}
