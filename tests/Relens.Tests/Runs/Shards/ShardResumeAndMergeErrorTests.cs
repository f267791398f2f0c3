using Relens.Cli.Commands;
using Relens.Evaluation.Records;
using Relens.Models;
using Relens.Relations;
using Relens.Reporting;
using Relens.Runs;
using Relens.Runs.Shards;
using Relens.Sweeps;

namespace Relens.Tests.Runs.Shards;

/// <summary>A shard killed mid-way and resumed loses nothing; merge refuses another run's shard and names missing units.</summary>
[Collection(ShardedGpt2Runs.Collection)]
[Trait(TestCategories.Name, TestCategories.Golden)]
public class ShardResumeAndMergeErrorTests(ShardedGpt2Runs runs)
{
    private sealed class Interrupt : Exception;

    private sealed class StopAfter(int units) : IRunProgress
    {
        private int _done;
        public void RunStarted(IReadOnlyList<Relation> relations, IReadOnlyList<int> pendingUnits) { }
        public void RelationStarted(Relation relation, int index, int pendingUnits) { }
        public void UnitFinished(Relation relation) { if (++_done == units) throw new Interrupt(); }
        public void TrialSkipped(Relation relation, int trial, int known, int test) { }
        public void RelationFinished(Relation relation, RelationSummary summary, double seconds) { }
        public void Stage(string message) { }
        public void Detail(string message) { }
    }

    [Fact]
    public void AShardKilledMidwayAndResumedLosesNothing()
    {
        // shard 0/2 of the run, stopped after 3 (trial × layer) units, its last line torn as a kill mid-write leaves it
        string dir = Path.Combine(runs.Root, $"killed-{Guid.NewGuid():N}");
        var shard = new ShardSpec(0, 2);
        var options = new RunOptions
        {
            ModelDirectory = Gpt2TinyRelations.Model, RelationsDirectory = runs.RelationsDir, OutputDirectory = dir, Shots = 1,
            Trials = ShardedGpt2Runs.Trials, Layers = string.Join(",", ShardedGpt2Runs.Layers), Beta = 2, Betas = "2", Ranks = "0,full", Resume = true,
        };
        using (var lm = LanguageModel.Load(Gpt2TinyRelations.Model))
        {
            var plan = RunPreflight.CheckModel(RunPreflight.Plan(options), lm);
            Assert.Throws<Interrupt>(() => new ShardRun(lm, plan, shard, resume: false, new StopAfter(3)).Execute());
        }
        var records = new RunFolder(dir);
        string file = ShardFiles.RecordsPath(records, shard);
        Assert.Equal(3, SweepRecordStore.ReadAll(file).Count(r => r.Metric == SweepMetrics.UnitDone));
        File.AppendAllText(file, "{\"relation\":\"tiny food\",\"tri");

        // without --resume the shard's files are refused; with it only the rest is computed
        var refused = Assert.Throws<RelensException>(() => new RunCommand(null, new StringWriter()).Run([.. runs.Args(dir), "--shard", "0/2"]));
        Assert.Contains("--resume", refused.Message);
        var resumed = new RunCommand(null, new StringWriter());
        Assert.Equal(0, resumed.Run([.. runs.Args(dir), "--shard", "0/2", "--resume"]));
        Assert.Equal(runs.ComputedUnits[(2, 0)] - 3, resumed.LastShardResult!.LayerUnitsComputed);

        // the same records as the uninterrupted shard 0/2
        var uninterrupted = SweepRecordStore.ReadAll(ShardFiles.RecordsPath(new RunFolder(runs.ShardFolder(2)), shard));
        Assert.Equal(uninterrupted.Select(ShardedGpt2Runs.Comparable).Order(StringComparer.Ordinal),
            SweepRecordStore.ReadAll(file).Select(ShardedGpt2Runs.Comparable).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void MergeNamesTheMissingUnitsAndTheirShardAndWritesNothing()
    {
        string dir = ShardedGpt2Runs.Copy(runs.ShardFolder(5), Path.Combine(runs.Root, $"missing-{Guid.NewGuid():N}"));
        var folder = new RunFolder(dir);
        var info = ShardInfo.Load(ShardFiles.InfoPath(folder, new ShardSpec(3, 5)));
        var owed = info.Units.Where(u => u.Shard == 3).ToList();
        Assert.NotEmpty(owed);
        File.Delete(ShardFiles.RecordsPath(folder, new ShardSpec(3, 5)));
        File.Delete(ShardFiles.InfoPath(folder, new ShardSpec(3, 5)));

        var e = Assert.Throws<RelensException>(() => new MergeCommand(null, new StringWriter()).Run([dir]));
        Assert.Contains($"{owed.Count} of {info.Units.Count} units", e.Message);
        foreach (var u in owed) Assert.Contains($"'{u.Relation}' trial {u.Trial}", e.Message);
        Assert.Contains("shard 3/5", e.Message);
        Assert.Contains("--resume", e.Message);
        Assert.False(File.Exists(folder.SummaryPath));
        Assert.False(File.Exists(folder.ResultsPath));
    }

    [Fact]
    public void MergeRefusesAShardOfAnotherRunNamingItsFile()
    {
        // the same relations and model with another --seed: a real shard of another run
        string other = Path.Combine(runs.Root, $"other-{Guid.NewGuid():N}");
        Assert.Equal(0, new RunCommand(null, new StringWriter()).Run([.. runs.Args(other), "--seed", "1", "--shard", "5/6"]));
        string dir = ShardedGpt2Runs.Copy(runs.ShardFolder(3), Path.Combine(runs.Root, $"foreign-{Guid.NewGuid():N}"));
        var foreign = ShardFiles.InfoPath(new RunFolder(dir), new ShardSpec(5, 6));
        File.Copy(ShardFiles.InfoPath(new RunFolder(other), new ShardSpec(5, 6)), foreign);
        File.Copy(ShardFiles.RecordsPath(new RunFolder(other), new ShardSpec(5, 6)), Path.ChangeExtension(foreign, ".jsonl"));

        var e = Assert.Throws<RelensException>(() => new MergeCommand(null, new StringWriter()).Run([dir]));
        Assert.Equal(foreign, e.Path);
        Assert.Contains("another run", e.Message);
        Assert.False(File.Exists(new RunFolder(dir).SummaryPath));

        // a record file without its description cannot be vouched for either
        File.Delete(foreign);
        var orphan = Assert.Throws<RelensException>(() => new MergeCommand(null, new StringWriter()).Run([dir]));
        Assert.Equal(Path.ChangeExtension(foreign, ".jsonl"), orphan.Path);
        // and without them the merge goes through
        File.Delete(Path.ChangeExtension(foreign, ".jsonl"));
        Assert.Equal(0, new MergeCommand(null, new StringWriter()).Run([dir]));
    }
}
