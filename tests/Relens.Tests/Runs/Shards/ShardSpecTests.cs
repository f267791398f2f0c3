using System.Collections;
using Relens.Relations;
using Relens.Runs.Shards;
using Relens.Sweeps;

namespace Relens.Tests.Runs.Shards;

/// <summary>--shard I/N and the schedulers' environment variables; the partition's balance and stability.</summary>
public class ShardSpecTests
{
    private static Hashtable Env(params (string, string)[] vars) => new(vars.ToDictionary(v => v.Item1, v => (object)v.Item2));

    [Fact]
    public void TheOptionAndEachSchedulersVariablesSelectTheShard()
    {
        Assert.Null(ShardSpec.Resolve(null, null, Env()));
        Assert.Equal(new ShardSpec(2, 5), ShardSpec.Resolve("2/5", null, Env(("SLURM_ARRAY_TASK_ID", "0")))!.Value.Shard);   // the option wins
        Assert.Equal((new ShardSpec(1, 3), "SLURM_ARRAY_TASK_ID"), ShardSpec.Resolve(null, null, Env(("SLURM_ARRAY_TASK_ID", "1"), ("SLURM_ARRAY_TASK_COUNT", "3")))!.Value);
        // an array numbered 1-3 is shards 0..2
        Assert.Equal(new ShardSpec(2, 3), ShardSpec.Resolve(null, null, Env(("SLURM_ARRAY_TASK_ID", "3"), ("SLURM_ARRAY_TASK_COUNT", "3"), ("SLURM_ARRAY_TASK_MIN", "1")))!.Value.Shard);
        Assert.Equal((new ShardSpec(4, 6), "JOB_COMPLETION_INDEX"), ShardSpec.Resolve(null, "6", Env(("JOB_COMPLETION_INDEX", "4")))!.Value);
    }

    [Theory]
    [InlineData("3/3", null, "shard 3 is not one of 0..2")]
    [InlineData("1", null, "expected I/N")]
    [InlineData("0/0", null, "at least 1")]
    [InlineData("1/3", "4", "disagree")]
    [InlineData(null, "3", "JOB_COMPLETION_INDEX")]
    public void BadShardsAreRefusedWithTheReason(string? shard, string? shards, string expected)
    {
        var e = Assert.Throws<RelensException>(() => ShardSpec.Resolve(shard, shards, Env()));
        Assert.Contains(expected, e.Message);
        Assert.Contains("JOB_COMPLETION_INDEX", Assert.Throws<RelensException>(() => ShardSpec.Resolve(null, null, Env(("JOB_COMPLETION_INDEX", "0")))).Message);
        Assert.Contains("SLURM_ARRAY_TASK_COUNT", Assert.Throws<RelensException>(() => ShardSpec.Resolve(null, null, Env(("SLURM_ARRAY_TASK_ID", "0")))).Message);
    }

    private static Relation R(string name, int samples) =>
        new(name, "factual", ["{} is"], [], RelationProperties.None, Enumerable.Range(0, samples).Select(i => new RelationSample($"s{i}", $"o{i}")).ToList());

    [Fact]
    public void ThePartitionCoversEveryUnitOnceIsBalancedByCostAndIsTheSameEveryTime()
    {
        var relations = new[] { R("a", 40), R("b", 10), R("c", 25), R("d", 9) };
        var settings = new SweepSettings { Shots = 4, Trials = 3 };
        var units = ShardPartition.Assign(relations, settings, layerCount: 5, shards: 3);
        Assert.Equal(12, units.Count);
        Assert.Equal(relations.SelectMany(r => Enumerable.Range(0, 3).Select(t => (r.Name, t))), units.Select(u => (u.Relation, u.Trial)));
        Assert.Equal((40 - 4) * 5, units[0].Cost);
        // by hand: costs a 36×5 = 180, c 105, b 30, d 25 (three trials each); LPT deals each cost level out over
        // the three shards in trial order, so shard t gets trial t of every relation: 340 each
        Assert.All(units, u => Assert.Equal(u.Trial, u.Shard));
        Assert.Equal([340L, 340L, 340L], units.GroupBy(u => u.Shard).Select(g => g.Sum(u => u.Cost)));
        Assert.Equal(units, ShardPartition.Assign(relations, settings, 5, 3));
        // one shard holds everything; more shards than units leaves some empty
        Assert.All(ShardPartition.Assign(relations, settings, 5, 1), u => Assert.Equal(0, u.Shard));
        Assert.Equal(12, ShardPartition.Assign(relations, settings, 5, 20).Select(u => u.Shard).Distinct().Count());
    }
}
