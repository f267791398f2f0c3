using Relens.Evaluation.Records;
using Relens.Lre;
using Relens.Evaluation;
using Relens.Models;
using Relens.Relations;
using Relens.Sweeps;
using TorchSharp;

namespace Relens.Tests.Lre;

/// <summary>Bad LRE inputs are clear errors, not crashes or silent nonsense.</summary>
[Trait(TestCategories.Name, TestCategories.Golden)]
public class LreInputErrorTests
{
    [Fact]
    public void SubjectAbsentFromItsPrompt()
    {
        using var lm = LanguageModel.Load(TestPaths.Golden("gpt2-tiny"));
        var e = Assert.Throws<RelensException>(() => SubjectPrompt.Create(lm, "The capital city of France is", "Peru"));
        Assert.Contains("Peru", e.Message);
    }

    [Fact]
    public void RankAboveHiddenSize()
    {
        using var lm = LanguageModel.Load(TestPaths.Golden("gpt2-tiny"));
        var samples = RelationDataset.Load(TestPaths.Relations).Find("country capital city").Samples.Take(2).ToList();
        using var lre = LreEstimator.Estimate(lm, "capital", "The capital city of {} is", samples, LayerRef.At(0), 2.25);
        using var causality = new Causality(lre);
        var e = Assert.Throws<RelensException>(() => causality.PseudoInverse(65));
        Assert.Contains("rank 65", e.Message);
        Assert.Contains("64", e.Message);
        using var scope = torch.NewDisposeScope();
        Assert.Equal(0f, causality.PseudoInverse(0).abs().max().item<float>());
    }

    [Fact]
    public void LayerBeyondTheModel()
    {
        using var lm = LanguageModel.Load(TestPaths.Golden("gpt2-tiny"));
        var samples = new[] { new RelationSample("France", "Paris") };
        var e = Assert.Throws<RelensException>(() => LreEstimator.Estimate(lm, "capital", "The capital city of {} is", samples, LayerRef.At(4), 2.25));
        Assert.Contains("layer 4 does not exist", e.Message);
    }

    [Fact]
    public void MoreShotsThanSamples()
    {
        using var lm = LanguageModel.Load(TestPaths.Golden("gpt2-tiny"));
        var relation = new Relation("tiny", "factual", ["The capital city of {} is"], [], RelationProperties.None,
            [new("France", "Paris"), new("Peru", "Lima"), new("Japan", "Tokyo")]);
        using var store = SweepRecordStore.Open(Path.Combine(TestPaths.NewTempDir("shots"), "r.jsonl"));
        var e = Assert.Throws<RelensException>(() => new RelationSweep(lm, new SweepSettings { Shots = 8 }, store).Run(relation));
        Assert.Contains("3 samples", e.Message);
        Assert.Contains("8 shots", e.Message);
    }
}
