using Relens.Relations;
using Relens.Sweeps;

namespace Relens.Runs.Shards;

/// <summary>One work unit of a run: every layer of one trial of one relation (the sweep's smallest
/// piece that shares its prompts' states), with its expected cost.</summary>
/// <param name="Cost">Test prompts × layers: the forward passes and decodes the trial's units spend.</param>
public sealed record WorkUnit(string Relation, int Trial, long Cost, int Shard)
{
    public override string ToString() => $"'{Relation}' trial {Trial}";
}

/// <summary>
/// Splits a run's units over N shards by greedy longest-processing-time: units in order of falling cost
/// (ties in relation order, then trial), each to the shard with the least cost so far (ties: the lowest
/// shard). It depends only on the relations and settings, never on what is already done, so a resumed or
/// re-submitted shard computes the same units, and every shard agrees on the partition without talking.
/// </summary>
public static class ShardPartition
{
    /// <summary>Every unit of the run, in run order (relation, trial), each with its shard.</summary>
    public static IReadOnlyList<WorkUnit> Assign(IReadOnlyList<Relation> relations, SweepSettings settings, int layerCount, int shards)
    {
        if (shards < 1) throw new ArgumentOutOfRangeException(nameof(shards));
        var units = relations.SelectMany((r, ri) => Enumerable.Range(0, settings.Trials)
            .Select(t => (Order: ri * settings.Trials + t, Relation: r.Name, Trial: t, Cost: (long)Math.Max(1, r.Samples.Count - settings.Shots) * layerCount)))
            .ToList();
        var load = new long[shards];
        var shardOf = new int[units.Count];
        foreach (var u in units.OrderByDescending(u => u.Cost).ThenBy(u => u.Order))
        {
            int best = 0;
            for (int s = 1; s < shards; s++) if (load[s] < load[best]) best = s;
            load[best] += u.Cost;
            shardOf[u.Order] = best;
        }
        return units.Select(u => new WorkUnit(u.Relation, u.Trial, u.Cost, shardOf[u.Order])).ToList();
    }
}
