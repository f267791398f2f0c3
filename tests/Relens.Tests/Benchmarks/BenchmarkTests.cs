using Relens.Benchmarks;
using Relens.Lre;
using Relens.Models;
using Relens.Relations;
using Relens.Tokenization;

namespace Relens.Tests.Benchmarks;

/// <summary>The benchmark's FLOP counter and a smoke run of the whole suite. No timing assertions: figures are measured.</summary>
[Trait(TestCategories.Name, TestCategories.Golden)]
public class BenchmarkTests
{
    private static readonly string[] PaperSubjects = ["China", "United States", "India", "Colombia", "Peru", "Germany", "Turkey", "Saudi Arabia"];

    [Fact]
    public void UsefulFlopsOfTheReferenceLreAre1Point08E12()
    {
        // country capital city, layer 5, n = 8, GPT-2-tokenised, 12 × 768: the figure the targets are stated for
        var tokenizer = TokenizerLoader.FromDirectory(TestPaths.Golden("gpt2-tiny"));
        var config = ModelTemplates.Config("gpt2", new ModelShape(12, 768, 12, tokenizer.VocabSize));
        using var lm = new LanguageModel(ModelTemplates.CreateRandom(config, 0), tokenizer, config, "(in memory)");
        var relation = RelationDataset.Load(TestPaths.Relations).Find("country capital city");
        var train = relation.WithTrainSubjects(PaperSubjects).Train.Samples;
        double flops = train.Sum(s =>
        {
            var p = SubjectPrompt.Create(lm, IclPrompt.Build(relation.PromptTemplates[0], s.Subject, train, lm.PromptPrefix), s.Subject);
            return JacobianFlops.Useful(768, 3072, 12 - LayerRef.At(5).NextBlock, p.Tokens.Count - p.SubjectIndex, p.Tokens.Count);
        });
        Assert.Equal(1.08e12, Math.Round(flops / 1e10) * 1e10);
    }

    [Fact]
    public void GroupedQueryAndGatedBlocksCountTheirOwnMatrices()
    {
        // model init's LLaMA at d = 32, 4 heads, 2 KV heads: q and o 32 × 32, k and v 32 × 16, SwiGLU 3 × 32 × 96
        var config = ModelConfig.FromJson(System.Text.Json.Nodes.JsonNode.Parse(
            ModelTemplates.Config("llama", new ModelShape(2, 32, 4, 100)).Json.ToJsonString().Replace("\"num_key_value_heads\":4", "\"num_key_value_heads\":2"))!.AsObject());
        using var model = ModelTemplates.CreateRandom(config, 0);
        var shape = BlockShape.Of(model);
        Assert.Equal(new BlockShape(32, 32, 16, 96, 3), shape);
        Assert.Equal(32 * 32 + 2 * 32 * 16 + 32 * 32 + 3 * 32 * 96, shape.WeightMacs);
        // a dense block is GPT-2's count
        Assert.Equal(JacobianFlops.Useful(768, 3072, 6, 2, 76), JacobianFlops.Useful(new BlockShape(768, 768, 768, 3072, 2), 6, 2, 76));
        Assert.Equal(32.0 * 2 * (2 * 5 * shape.WeightMacs + 8 * 5 * 9 * 32), JacobianFlops.Useful(shape, 2, 5, 9));
    }

    [Fact]
    public void ExecutedFlopsSkipOnlyTheTopBlocksZeroRows()
    {
        // one suffix token: the top block is like any other
        Assert.Equal(3 * JacobianFlops.Executed(64, 256, 1, 1, 10), JacobianFlops.Executed(64, 256, 3, 1, 10), 6);
        Assert.True(JacobianFlops.Executed(768, 3072, 6, 2, 76) < JacobianFlops.Useful(768, 3072, 6, 2, 76));
        Assert.Equal(0, JacobianFlops.Executed(768, 3072, 0, 2, 76));
    }

    [Fact]
    public void SuiteRunsOnASmallModelAndReportsEveryPhase()
    {
        var tokenizer = TokenizerLoader.FromDirectory(TestPaths.Golden("gpt2-tiny"));
        var config = ModelTemplates.Config("gpt2", new ModelShape(2, 32, 4, tokenizer.VocabSize));
        using var lm = new LanguageModel(ModelTemplates.CreateRandom(config, 1), tokenizer, config, "(in memory)");
        var relation = RelationDataset.Load(TestPaths.Relations).Find("country capital city");
        var report = LreBenchmark.Run(lm, relation, new BenchSettings { Reference = true, YardstickSeconds = 0.05, MemoryBudgetBytes = 1 << 20 });
        Assert.Equal([LreBenchmark.Lre, LreBenchmark.LreOnePromptPerCall, LreBenchmark.SweepOne, LreBenchmark.SweepAll, LreBenchmark.FaithBatched, LreBenchmark.FaithSingle, LreBenchmark.Reference],
            report.Phases.Select(p => p.Name));
        foreach (var p in report.Phases)
        {
            Assert.True(p.Time.WallSeconds > 0 && p.MatmulWall > 0 && p.MatmulCpu > 0, p.Name);
            Assert.True(double.IsFinite(p.WallRatio), p.Name);
        }
        Assert.True(report[LreBenchmark.SweepAll].UsefulFlops > report[LreBenchmark.SweepOne].UsefulFlops);
        Assert.True(report.LreJacobianWallSeconds > 0);
        string text = BenchReportText.Format(report);
        Assert.Contains("Jacobian phase", text);
        Assert.Contains("full sweep / one layer", text);
        Assert.Contains("batched speed-up", text);
        Assert.Contains("stacking speed-up", text);
        Assert.Contains("linearized speed-up", text);
    }
}
