using Relens.Relations;
using Relens.Reporting;

namespace Relens.Runs;

/// <summary>What a run reports while it works (a progress bar in a terminal, log lines when redirected).</summary>
public interface IRunProgress
{
    /// <summary>Before any work: the relations and the (trial × layer) units each still needs.</summary>
    void RunStarted(IReadOnlyList<Relation> relations, IReadOnlyList<int> pendingUnits);
    void RelationStarted(Relation relation, int index, int pendingUnits);
    /// <summary>One (trial × layer) unit finished, or one layer of a skipped trial accounted for.</summary>
    void UnitFinished(Relation relation);
    void TrialSkipped(Relation relation, int trial, int known, int test);
    void RelationFinished(Relation relation, RelationSummary summary, double seconds);
    /// <summary>A stage of the run outside the sweeps (saving an LRE, writing the report).</summary>
    void Stage(string message);
    /// <summary>Fine-grained detail (each unit's time): worth a log line, not a redraw.</summary>
    void Detail(string message);
}

/// <summary>Reports nothing.</summary>
public sealed class SilentProgress : IRunProgress
{
    public static readonly SilentProgress Instance = new();
    public void RunStarted(IReadOnlyList<Relation> relations, IReadOnlyList<int> pendingUnits) { }
    public void RelationStarted(Relation relation, int index, int pendingUnits) { }
    public void UnitFinished(Relation relation) { }
    public void TrialSkipped(Relation relation, int trial, int known, int test) { }
    public void RelationFinished(Relation relation, RelationSummary summary, double seconds) { }
    public void Stage(string message) { }
    public void Detail(string message) { }
}
