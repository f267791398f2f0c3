using Relens.Cli.Commands;
using Relens.Evaluation.Records;
using Relens.Reporting;
using Relens.Sweeps;

namespace Relens.Tests.Runs.Shards;

/// <summary>N shards of a run hold exactly the unsharded run's records, and `relens merge` turns them into its folder.</summary>
[Collection(ShardedGpt2Runs.Collection)]
[Trait(TestCategories.Name, TestCategories.Golden)]
public class ShardExactnessTests(ShardedGpt2Runs runs)
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    public void TheUnionOfTheShardsIsTheUnshardedRunAndTheMergeIsItsFolder(int n)
    {
        var reference = new RunFolder(runs.Reference);
        var expected = reference.LoadRecords();
        // real work, and a skipped trial too (gpt2-tiny knows too few facts of one trial)
        Assert.True(expected.Count(r => r.Metric == SweepMetrics.UnitDone) >= 6, "gpt2-tiny should compute most units of these relations");
        Assert.Contains(expected, r => r.Metric == SweepMetrics.SampleFaithfulness);

        // each unit in exactly one shard: no duplicates, no losses, the same values
        var union = ShardedGpt2Runs.ShardRecords(runs.ShardFolder(n));
        Assert.Equal(expected.Count, union.Count);
        Assert.Equal(expected.Select(ShardedGpt2Runs.Comparable).Order(StringComparer.Ordinal), union.Select(ShardedGpt2Runs.Comparable).Order(StringComparer.Ordinal));
        Assert.Equal(expected.Count(r => r.Metric == SweepMetrics.UnitDone), Enumerable.Range(0, n).Sum(i => runs.ComputedUnits[(n, i)]));
        if (n > 1) Assert.All(Enumerable.Range(0, n), i => Assert.True(runs.ComputedUnits[(n, i)] > 0 || n == 5, $"shard {i}/{n} computed nothing"));

        // merged: the unsharded run's records in its order, and its summary, byte for byte
        var dir = ShardedGpt2Runs.Copy(runs.ShardFolder(n), Path.Combine(runs.Root, $"merged-{n}-{Guid.NewGuid():N}"));
        var merge = new MergeCommand(null, new StringWriter());
        Assert.Equal(0, merge.Run([dir]));
        var merged = new RunFolder(dir);
        Assert.Equal(expected.Select(ShardedGpt2Runs.Comparable), merged.LoadRecords().Select(ShardedGpt2Runs.Comparable));
        Assert.Equal(File.ReadAllText(reference.SummaryPath), File.ReadAllText(merged.SummaryPath));
        Assert.Equal(File.ReadAllText(reference.SummaryCsvPath), File.ReadAllText(merged.SummaryCsvPath));
        Assert.Equal(reference.SavedLres(), merged.SavedLres());
        foreach (var lre in reference.SavedLres())
            Assert.Equal(File.ReadAllBytes(Path.Combine(reference.LreDirectory, lre + ".safetensors")), File.ReadAllBytes(Path.Combine(merged.LreDirectory, lre + ".safetensors")));
        var info = merged.LoadInfo();
        var referenceInfo = reference.LoadInfo();
        Assert.Equal(referenceInfo.Relations, info.Relations);
        Assert.Equal(referenceInfo.Layers, info.Layers);
        Assert.Equal(n, info.Shards);
        Assert.NotNull(info.FinishedUtc);

        // merging again changes nothing
        var before = Snapshot(dir);
        Assert.Equal(0, new MergeCommand(null, new StringWriter()).Run([dir]));
        Assert.Equal(before, Snapshot(dir));
    }

    /// <summary>Every file's bytes except the report (its lens section is rendered again; same content, checked elsewhere).</summary>
    private static Dictionary<string, string> Snapshot(string dir) =>
        Directory.GetFiles(dir, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith("report.html"))
            .ToDictionary(f => Path.GetRelativePath(dir, f), f => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f))));
}
