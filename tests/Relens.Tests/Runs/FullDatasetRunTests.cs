using System.Text.Json;
using Relens.Cli.Commands;
using Relens.Models;
using Relens.Relations;
using Relens.Reporting;
using Relens.Sweeps;

namespace Relens.Tests.Runs;

/// <summary>
/// `relens run` over the paper's whole dataset (47 relations, 11,089 samples) on real tokenizers, to the end.
/// Kept fast: one trial, layers emb and the last block, a one-value β grid and ranks {0, d}. The tiny random
/// models know no fact, so every trial stops at the known-fact filter: what is exercised is every prompt, every
/// subject position and every n-shot forward pass of the filter, not the LRE estimation.
/// </summary>
[Trait(TestCategories.Name, TestCategories.Golden)]
public class FullDatasetRunTests
{
    [Theory]
    [InlineData("gpt2-tiny")]
    [InlineData("llama-tiny")]
    public void AllRelationsRunToTheEndWithNoSampleSkipped(string model)
    {
        var output = Path.Combine(TestPaths.NewTempDir("full-dataset"), "out");
        var console = new StringWriter();
        var command = new RunCommand(dir => LanguageModel.Load(dir), console);
        int code = command.Run(["--model", TestPaths.Golden(model), "--relations", TestPaths.Relations, "--trials", "1", "--layers", "emb,3",
            "--betas", "2.25", "--ranks", "0,full", "--out", output, "--no-progress"]);
        string text = console.ToString();
        Assert.True(code == 0, text);
        var result = command.LastResult!;
        Assert.Equal(47, result.Summary.Relations.Count);
        Assert.Empty(result.Failed);
        Assert.All(result.Summary.Relations, r => Assert.Empty(r.SkippedSamples));
        Assert.Contains("Skipped samples: none", text);
        Assert.Contains("No sample was skipped", File.ReadAllText(Path.Combine(output, "report.html")));

        // every relation got its n-shot known-fact filter, on all of its trial's test samples
        var records = new RunFolder(output).LoadRecords();
        foreach (var relation in SharedRelations().Relations)
        {
            var tested = records.Single(r => r.Relation == relation.Name && r.Metric == SweepMetrics.TestCount);
            Assert.Equal(relation.Split(8, 0).Test.Samples.Count, tested.Value);
            Assert.DoesNotContain(records, r => r.Relation == relation.Name && r.Metric == SweepMetrics.SampleSkipped);
        }
        Assert.Contains("progress: 47/47 relations, 94/94 units", text);
    }

    private static RelationDataset SharedRelations() => Relations.SharedRelations.Dataset;
}
