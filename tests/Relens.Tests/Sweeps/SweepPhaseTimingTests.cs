using System.Diagnostics;
using Relens.Evaluation.Records;
using Relens.Models;
using Relens.Relations;
using Relens.Reporting;
using Relens.Sweeps;
using Relens.Tokenization;

namespace Relens.Tests.Sweeps;

/// <summary>The sweep's phase timing records and the benchmarks-only switch that counts every test fact as known.</summary>
[Trait(TestCategories.Name, TestCategories.Golden)]
public class SweepPhaseTimingTests
{
    private static readonly SweepSettings Settings = new()
    {
        Shots = 4, Trials = 2, Layers = [LayerRef.Embedding, LayerRef.At(0), LayerRef.At(1)], Betas = [0.5, 1.0], Ranks = [0, 16, 32],
    };

    private static readonly string[] UnitPhases =
        [SweepMetrics.EstimateSeconds, SweepMetrics.FaithfulnessSeconds, SweepMetrics.CausalitySeconds, SweepMetrics.BaselinesSeconds];

    private static LanguageModel RandomModel()
    {
        var tokenizer = TokenizerLoader.FromDirectory(TestPaths.Golden("gpt2-tiny"));
        var config = ModelTemplates.Config("gpt2", new ModelShape(2, 32, 4, tokenizer.VocabSize));
        return new LanguageModel(ModelTemplates.CreateRandom(config, 3), tokenizer, config, "(in memory)");
    }

    private static Relation CountryCapital() => RelationDataset.Load(TestPaths.Relations).Find("country capital city");

    private static (IReadOnlyList<SweepRecord> Records, double Seconds) Sweep(LanguageModel lm, SweepSettings settings)
    {
        var path = Path.Combine(TestPaths.NewTempDir("sweep-phases"), "results.jsonl");
        var clock = Stopwatch.StartNew();
        using (var store = SweepRecordStore.Open(path))
            new RelationSweep(lm, settings, store).Run(CountryCapital());
        double seconds = clock.Elapsed.TotalSeconds;
        return (SweepRecordStore.ReadAll(path), seconds);
    }

    [Fact]
    public void EveryUnitAndTrialHasItsPhaseTimesWithinTheSweepsTime()
    {
        using var lm = RandomModel();
        var (records, seconds) = Sweep(lm, Settings with { CountEveryTestFactAsKnown = true });

        // the switch: a random model's trials run all their units instead of stopping at the known-fact filter
        Assert.DoesNotContain(records, r => r.Metric == SweepMetrics.TrialSkipped);
        Assert.Equal(Settings.Trials * Settings.Layers!.Count, records.Count(r => r.Metric == SweepMetrics.UnitDone));
        Assert.All(records.Where(r => r.Metric == SweepMetrics.KnownCount), r =>
            Assert.Equal(records.Single(t => t.Metric == SweepMetrics.TestCount && t.Trial == r.Trial).Value, r.Value));

        for (int trial = 0; trial < Settings.Trials; trial++)
        {
            foreach (var metric in new[] { SweepMetrics.TestStatesSeconds, SweepMetrics.TrainStatesSeconds })
                Assert.Single(records, r => r.Metric == metric && r.Trial == trial && r.Layer is null);
            foreach (var layer in Settings.Layers)
                foreach (var metric in UnitPhases)
                    Assert.Single(records, r => r.Metric == metric && r.Trial == trial && r.Layer == layer);
        }
        var phases = records.Where(r => SweepMetrics.Timings.Contains(r.Metric)
            && r.Metric is not (SweepMetrics.UnitDone or SweepMetrics.JacobianSeconds)).ToList();
        Assert.Equal(Settings.Trials * (2 + UnitPhases.Length * Settings.Layers.Count), phases.Count);
        Assert.All(phases, r => Assert.True(r.Value >= 0 && double.IsFinite(r.Value), r.ToString()));
        Assert.True(phases.Sum(r => r.Value) <= seconds, $"phases {phases.Sum(r => r.Value):F3} s, sweep {seconds:F3} s");
        Assert.True(records.Where(r => r.Metric == SweepMetrics.EstimateSeconds).Sum(r => r.Value) > 0);

        // the timings are no baselines to the summary (whose "faithfulness_*" / "causality_*" records are)
        var summary = RunSummarizer.Summarize(records, [CountryCapital()], lm.Tokenizer, Settings.Beta);
        var layerSummary = Assert.Single(summary.Relations).Layers[0];
        Assert.NotEmpty(layerSummary.FaithfulnessBaselines);
        Assert.DoesNotContain(layerSummary.FaithfulnessBaselines.Keys.Concat(layerSummary.CausalityBaselines.Keys), k => k.Contains("seconds"));
    }

    [Fact]
    public void TheKnownFactFilterIsOnByDefault()
    {
        Assert.False(new SweepSettings().CountEveryTestFactAsKnown);
        using var lm = RandomModel();
        var (records, _) = Sweep(lm, Settings);
        // random weights know (almost) no capital: every trial stops at the filter, after its test states' time
        Assert.Equal(Settings.Trials, records.Count(r => r.Metric == SweepMetrics.TrialSkipped));
        Assert.DoesNotContain(records, r => r.Metric == SweepMetrics.UnitDone);
        Assert.Equal(Settings.Trials, records.Count(r => r.Metric == SweepMetrics.TestStatesSeconds));
    }
}
