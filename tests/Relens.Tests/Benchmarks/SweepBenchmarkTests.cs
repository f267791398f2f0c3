using Relens.Benchmarks;
using Relens.Models;
using Relens.Relations;
using Relens.Sweeps;
using Relens.Tests.CommandLine;
using Relens.Tokenization;

namespace Relens.Tests.Benchmarks;

/// <summary>`relens bench --sweep` on a tiny random model: the breakdown and the paper-structure count. No timing
/// assertions beyond consistency: figures are measured.</summary>
[Trait(TestCategories.Name, TestCategories.Golden)]
public class SweepBenchmarkTests
{
    [Fact]
    public void SweepBenchmarkSumsThePhasesAndCountsThePaperStructure()
    {
        var tokenizer = TokenizerLoader.FromDirectory(TestPaths.Golden("gpt2-tiny"));
        var config = ModelTemplates.Config("gpt2", new ModelShape(2, 32, 4, tokenizer.VocabSize));
        using var lm = new LanguageModel(ModelTemplates.CreateRandom(config, 1), tokenizer, config, "(in memory)");
        var relation = RelationDataset.Load(TestPaths.Relations).Find("country capital city");
        var settings = new SweepSettings { Trials = 2, Shots = 4, Betas = [1.0, 2.0], Ranks = [0, 32], CountEveryTestFactAsKnown = true };
        var before = Directory.GetDirectories(Path.GetTempPath(), "relens-bench-sweep-*").ToHashSet();
        var r = SweepBenchmark.Run(lm, relation, settings);
        Assert.DoesNotContain(Directory.GetDirectories(Path.GetTempPath(), "relens-bench-sweep-*"), d => !before.Contains(d));   // its store is deleted

        Assert.Equal(3, r.Layers);   // emb and both blocks
        Assert.Equal(2 * 3, r.Units);
        Assert.Equal(SweepBenchmark.PhaseMetrics.Select(p => p.Metric), r.Phases.Select(p => p.Metric));
        Assert.All(r.Phases, p => Assert.True(p.Seconds >= 0 && p.Share >= 0, p.ToString()));
        Assert.True(r.Phases.Sum(p => p.Seconds) <= r.Total.WallSeconds);
        Assert.Equal(r.Total.WallSeconds, r.Phases.Sum(p => p.Seconds) + r.RestSeconds, 9);
        Assert.Equal(r.Phases.Max(p => p.Seconds), r.Largest.Seconds);

        // paper structure: every unit pays n replicated Jacobians at its layer
        Assert.Equal(["emb", "0", "1"], r.Replicated.Select(x => x.Layer));
        Assert.Equal(settings.Trials * settings.Shots * r.Replicated.Sum(x => x.WallSeconds), r.PaperJacobianSeconds, 9);
        Assert.Equal(r.PaperJacobianSeconds + r.Total.WallSeconds - r.EstimateSeconds, r.PaperSweepSeconds, 9);
        Assert.True(r.JacobianBackwardSeconds <= r.EstimateSeconds);

        string text = SweepBenchReportText.Format(r);
        Assert.Contains("next bottleneck: " + r.Largest.Name, text);
        Assert.Contains("known-fact filter off", text);
        Assert.Contains("taken at Relens's cost", text);
    }

    [Fact]
    [Trait(TestCategories.Name, TestCategories.Cli)]
    public void BenchSweepPrintsTheBreakdownAndRefusesAnUnknownRelation()
    {
        string[] tiny = ["bench", "--layers", "2", "--dim", "32", "--heads", "4", "--trials", "1", "--skip-world", "--relations", TestPaths.Relations,
            "--tokenizer-from", TestPaths.Golden("gpt2-tiny")];
        var json = Path.Combine(TestPaths.NewTempDir("bench-sweep"), "sweep.json");
        var (code, stdout, stderr) = CliProcess.Run([.. tiny, "--sweep", "country capital city", "--json", json]);
        Assert.True(code == 0, stdout + stderr);
        foreach (var part in new[] { "where the sweep's wall time goes", "Jacobians (LRE estimate)", "faithfulness (β grid)", "causality (rank grid)",
                     "baselines", "rest (unaccounted)", "next bottleneck:", "paper structure", "every test fact is counted as known" })
            Assert.Contains(part, stdout);
        Assert.Contains("\"PaperJacobianSeconds\"", File.ReadAllText(json));

        (code, stdout, stderr) = CliProcess.Run([.. tiny, "--sweep", "no such relation"]);
        Assert.Equal(2, code);
        Assert.Contains("relens bench: error: no relation named 'no such relation'", stderr);
        Assert.DoesNotContain("   at ", stderr);
        Assert.Equal("", stdout.Trim());
    }
}
