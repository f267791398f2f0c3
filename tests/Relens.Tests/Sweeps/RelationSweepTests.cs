using Relens.Evaluation.Records;
using Relens.Models;
using Relens.Relations;
using Relens.Reporting;
using Relens.Sweeps;
using Relens.Tests.Lre;

namespace Relens.Tests.Sweeps;

[Trait(TestCategories.Name, TestCategories.Golden)]
public class RelationSweepTests
{
    private static readonly SweepSettings Settings = new()
    {
        Shots = 4, Trials = 2, Layers = [LayerRef.Embedding, LayerRef.At(0)], Beta = 1.0, Betas = [0.5, 1.0], Ranks = [0, 8, 16],
    };

    private sealed class Interrupt : Exception;

    /// <summary>RELENS_TEST_REPEAT=N repeats the test N times in one process (hunting flakiness); default once.</summary>
    private static int Repeats => int.TryParse(Environment.GetEnvironmentVariable("RELENS_TEST_REPEAT"), out var n) && n > 0 ? n : 1;

    [Fact]
    public void InterruptedSweepResumesToExactlyTheUninterruptedRecords()
    {
        for (int repeat = 0; repeat < Repeats; repeat++) ResumeMatchesUninterrupted();
    }

    private static void ResumeMatchesUninterrupted()
    {
        var (lm, _) = LinearWorld.Build();
        using var _lm = lm;
        var relation = LinearWorld.Relation(lm);
        var dir = TestPaths.NewTempDir("sweep-resume");

        var fullPath = Path.Combine(dir, "full.jsonl");
        using (var store = SweepRecordStore.Open(fullPath))
            new RelationSweep(lm, Settings, store).Run(relation);
        var full = SweepRecordStore.ReadAll(fullPath);
        Assert.True(full.Count > 40, $"the sweep should produce many records, got {full.Count}");

        foreach (int stopAfter in new[] { 1, 17, full.Count / 2, full.Count - 1 })
        {
            var path = Path.Combine(dir, $"resumed-{stopAfter}.jsonl");
            int stored = 0;
            using (var store = SweepRecordStore.Open(path))
            {
                var sweep = new RelationSweep(lm, Settings, store) { RecordStored = _ => { if (++stored == stopAfter) throw new Interrupt(); } };
                Assert.Throws<Interrupt>(() => sweep.Run(relation));
            }
            Assert.Equal(stopAfter, SweepRecordStore.ReadAll(path).Count);
            using (var store = SweepRecordStore.Open(path))
                new RelationSweep(lm, Settings, store).Run(relation);
            var resumed = SweepRecordStore.ReadAll(path);
            // same keys, none duplicated, and bit-identical values (timings aside, which differ run to run)
            Assert.Equal(resumed.Count, resumed.Select(r => r.Key).Distinct().Count());
            Assert.Equal(full.Select(r => r.Key).OrderBy(k => k.ToString()), resumed.Select(r => r.Key).OrderBy(k => k.ToString()));
            var timing = SweepMetrics.Timings;
            var expected = full.Where(r => !timing.Contains(r.Metric)).ToDictionary(r => r.Key, r => r.Value);
            foreach (var r in resumed.Where(r => !timing.Contains(r.Metric)))
                Assert.True(BitConverter.DoubleToInt64Bits(expected[r.Key]) == BitConverter.DoubleToInt64Bits(r.Value),
                    $"{r.Key}: resumed {r.Value:R}, uninterrupted {expected[r.Key]:R}");
        }
    }

    [Fact]
    public void ExactlyLinearModelSummarisesAsFaithfulAndCausalAtTheEmbedding()
    {
        var (lm, _) = LinearWorld.Build();
        using var _lm = lm;
        var relation = LinearWorld.Relation(lm);
        var path = Path.Combine(TestPaths.NewTempDir("sweep-summary"), "results.jsonl");
        using (var store = SweepRecordStore.Open(path))
            new RelationSweep(lm, Settings, store).Run(relation);
        var summary = RunSummarizer.Summarize(SweepRecordStore.ReadAll(path), [relation], lm.Tokenizer, Settings.Beta);
        var s = Assert.Single(summary.Relations);
        Assert.Equal(2, s.ValidTrials);
        var emb = RunSummarizer.At(s, "emb")!;
        Assert.Equal(1.0, emb.Faithfulness);        // β = 1 on an exactly affine path
        Assert.Equal(1.0, emb.Causality);           // full rank (16) is in the grid
        Assert.Equal("emb", s.FaithfulnessBestLayer);
        Assert.True(s.Linear);
    }
}
