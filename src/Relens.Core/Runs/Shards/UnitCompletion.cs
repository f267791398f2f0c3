using Relens.Evaluation.Records;
using Relens.Sweeps;

namespace Relens.Runs.Shards;

/// <summary>When a (relation, trial) unit is finished in a set of records: the trial was skipped (too few
/// LM-known facts), or every layer of the run has its unit_done mark (written after the layer's last record).</summary>
public static class UnitCompletion
{
    /// <summary>The finished (relation, trial) pairs among <paramref name="records"/>.</summary>
    public static HashSet<(string Relation, int Trial)> Finished(IEnumerable<SweepRecord> records, IReadOnlyList<string> layers)
    {
        var done = new Dictionary<(string, int), HashSet<string>>();
        var skipped = new HashSet<(string, int)>();
        foreach (var r in records)
        {
            if (r.Metric == SweepMetrics.TrialSkipped) skipped.Add((r.Relation, r.Trial));
            else if (r.Metric == SweepMetrics.UnitDone && r.Layer is { } l)
            {
                if (!done.TryGetValue((r.Relation, r.Trial), out var set)) done[(r.Relation, r.Trial)] = set = [];
                set.Add(l.ToString());
            }
        }
        var finished = new HashSet<(string, int)>(skipped);
        foreach (var (unit, set) in done)
            if (layers.All(set.Contains)) finished.Add(unit);
        return finished;
    }
}
