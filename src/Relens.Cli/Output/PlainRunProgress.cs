using Relens.Relations;
using Relens.Reporting;
using Relens.Runs;

namespace Relens.Cli.Output;

/// <summary>Run progress as log lines, for redirected output and CI logs (no redraws, one line per event).</summary>
public sealed class PlainRunProgress(Terminal terminal) : IRunProgress
{
    private int _count, _done, _pending, _relationsDone, _unitsDone, _units;
    private readonly System.Diagnostics.Stopwatch _clock = new();

    public void RunStarted(IReadOnlyList<Relation> relations, IReadOnlyList<int> pendingUnits)
    {
        _count = relations.Count;
        _units = pendingUnits.Sum();
        _clock.Restart();
        terminal.Line($"{relations.Count} relations, {pendingUnits.Sum()} units (trial × layer) to compute");
    }

    public void RelationStarted(Relation relation, int index, int pendingUnits)
    {
        (_done, _pending) = (0, pendingUnits);
        terminal.Line($"[{index + 1}/{_count}] {relation.Name}: {pendingUnits} units" + (pendingUnits == 0 ? " (already done)" : ""));
    }

    public void UnitFinished(Relation relation)
    {
        _done++;
        _unitsDone++;
    }

    // the sweep's own detail line already says so, with the threshold
    public void TrialSkipped(Relation relation, int trial, int known, int test) { }

    public void RelationFinished(Relation relation, RelationSummary summary, double seconds)
    {
        _relationsDone++;
        terminal.Line($"  {RunText.Outcome(summary)} ({seconds:0.0} s, {_done}/{_pending} units)");
        terminal.Line($"  progress: {RunText.Progress(_relationsDone, _count, _unitsDone, _units, _clock.Elapsed)}");
    }

    public void Stage(string message) => terminal.Line(message);

    public void Detail(string message) => terminal.Line("  " + message);
}
