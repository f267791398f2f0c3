using Relens.Evaluation.Records;
using Relens.Relations;
using Relens.Sweeps;

namespace Relens.Runs;

/// <summary>Reads a relation's trials back from its sweep records.</summary>
public static class RunTrials
{
    /// <summary>Trials with enough LM-known test facts, in order (the ones the summary averages).</summary>
    public static IReadOnlyList<int> Valid(IEnumerable<SweepRecord> relationRecords)
    {
        var list = relationRecords as IReadOnlyCollection<SweepRecord> ?? relationRecords.ToList();
        var skipped = list.Where(r => r.Metric == SweepMetrics.TrialSkipped).Select(r => r.Trial).ToHashSet();
        return list.Where(r => r.Metric == SweepMetrics.KnownCount && !skipped.Contains(r.Trial)).Select(r => r.Trial).Distinct().Order().ToList();
    }

    /// <summary>The training samples of <paramref name="trial"/>: the seeded split the sweep drew (seed + trial).</summary>
    public static IReadOnlyList<RelationSample> Train(Relation relation, SweepSettings settings, int trial) =>
        relation.Split(settings.Shots, settings.Seed + trial).Train.Samples;
}
