using Relens.Cli.Commands;
using Relens.Evaluation.Records;
using Relens.Relations;
using Relens.Reporting;
using Relens.Runs;
using Relens.Sweeps;

namespace Relens.Tests.Runs;

/// <summary>An interrupted `relens run` resumed with --resume computes only the unfinished units and ends with the
/// records of an uninterrupted run.</summary>
[Trait(TestCategories.Name, TestCategories.Golden)]
public class RunResumeTests
{
    private sealed class Interrupt : Exception;

    /// <summary>Stops the run after <paramref name="stopAfter"/> finished units, like Ctrl+C would.</summary>
    private sealed class StopAfter(int stopAfter) : IRunProgress
    {
        private int _units;
        public void RunStarted(IReadOnlyList<Relation> relations, IReadOnlyList<int> pendingUnits) { }
        public void RelationStarted(Relation relation, int index, int pendingUnits) { }
        public void UnitFinished(Relation relation) { if (++_units == stopAfter) throw new Interrupt(); }
        public void TrialSkipped(Relation relation, int trial, int known, int test) { }
        public void RelationFinished(Relation relation, RelationSummary summary, double seconds) { }
        public void Stage(string message) { }
        public void Detail(string message) { }
    }

    [Fact]
    public void ResumeAfterAnInterruptionComputesOnlyTheRemainingUnits()
    {
        var root = TestPaths.NewTempDir("run-resume");
        var relations = LinearWorldRun.WriteRelations(Path.Combine(root, "relations"));
        var reference = Path.Combine(root, "full");
        var resumed = Path.Combine(root, "resumed");
        string[] Args(string outDir, params string[] more) => [.. LinearWorldRun.Settings, "--model", LinearWorldRun.ModelName, "--relations", relations, "--out", outDir, .. more];

        var full = new RunCommand(_ => LinearWorldRun.Load(), new StringWriter());
        Assert.Equal(0, full.Run(Args(reference)));
        Assert.Equal(LinearWorldRun.UnitsPerRun, full.LastResult!.UnitsComputed);

        // the library run behind the CLI, stopped after 7 of 12 units (inside the second relation)
        const int stopAfter = 7;
        var options = new RunOptions
        {
            ModelDirectory = LinearWorldRun.ModelName, RelationsDirectory = relations, OutputDirectory = resumed,
            Trials = 2, Shots = 4, Beta = 1, Betas = "0.5,1,2", Ranks = "0,4,8,full",
        };
        using (var lm = LinearWorldRun.Load())
        {
            var plan = RunPreflight.CheckModel(RunPreflight.Plan(options), lm);
            Assert.Throws<Interrupt>(() => new RelationRun(lm, plan, new StopAfter(stopAfter)).Execute());
        }
        int done = SweepRecordStore.ReadAll(Path.Combine(resumed, "results.jsonl")).Count(r => r.Metric == SweepMetrics.UnitDone);
        Assert.Equal(stopAfter, done);
        Assert.Null(new RunFolder(resumed).LoadInfo().FinishedUtc);

        // without --resume the folder is refused, with it only the rest is computed
        var refused = Assert.Throws<RelensException>(() => new RunCommand(_ => LinearWorldRun.Load(), new StringWriter()).Run(Args(resumed)));
        Assert.Contains("--resume", refused.Message);
        var again = new RunCommand(_ => LinearWorldRun.Load(), new StringWriter());
        Assert.Equal(0, again.Run(Args(resumed, "--resume")));
        Assert.Equal(LinearWorldRun.UnitsPerRun - done, again.LastResult!.UnitsComputed);

        // the same records as the uninterrupted run (timings aside), and the same summary
        var timing = SweepMetrics.Timings;
        var expected = SweepRecordStore.ReadAll(Path.Combine(reference, "results.jsonl")).Where(r => !timing.Contains(r.Metric)).ToDictionary(r => r.Key, r => r.Value);
        var actual = SweepRecordStore.ReadAll(Path.Combine(resumed, "results.jsonl")).Where(r => !timing.Contains(r.Metric)).ToList();
        Assert.Equal(expected.Count, actual.Count);
        foreach (var r in actual) Assert.Equal(expected[r.Key], r.Value, 9);
        Assert.Equal(File.ReadAllText(Path.Combine(reference, "summary.json")), File.ReadAllText(Path.Combine(resumed, "summary.json")));
        Assert.Equal(2, new RunFolder(resumed).SavedLres().Count);

        // a finished run resumed again computes nothing; one with other settings is refused
        var third = new RunCommand(_ => LinearWorldRun.Load(), new StringWriter());
        Assert.Equal(0, third.Run(Args(resumed, "--resume")));
        Assert.Equal(0, third.LastResult!.UnitsComputed);
        var mismatch = Assert.Throws<RelensException>(() => new RunCommand(_ => LinearWorldRun.Load(), new StringWriter())
            .Run([.. Args(resumed, "--resume"), "--seed", "3"]));
        Assert.Contains("--seed", mismatch.Message);
    }
}
