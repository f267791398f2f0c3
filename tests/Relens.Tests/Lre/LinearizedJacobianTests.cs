using Relens.Lre;
using Relens.Models;
using Relens.Models.Hooks;
using Relens.Relations;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Tests.Lre;

/// <summary>
/// The linearized Jacobian (batch-1 forward, hand-written batched VJP, all layers from one pass) against the
/// replicated autograd reference, in float64 on gpt2-tiny: every layer including "emb" and the last, prompts
/// with a cached prefix, without one, and with the subject as the last token, several chunk sizes.
/// (JacobianTests checks SubjectJacobian.Compute — now the linearized path — against finite differences.)
/// </summary>
[Trait(TestCategories.Name, TestCategories.Golden)]
public class LinearizedJacobianTests
{
    private static readonly JacobianOptions Linearized = new() { Method = JacobianMethod.Linearized };
    private static readonly JacobianOptions Replicated = new() { Method = JacobianMethod.Replicated };

    private static LanguageModel Load(ScalarType dtype = ScalarType.Float64) => LanguageModel.Load(TestPaths.Golden("gpt2-tiny"), dtype);

    public static TheoryData<string> Prompts => new() { "icl", "no-prefix", "subject-last" };

    private static SubjectPrompt Prompt(LanguageModel lm, string kind)
    {
        var examples = new[] { new RelationSample("China", "Beijing"), new RelationSample("Peru", "Lima"), new RelationSample("France", "Paris") };
        var p = kind switch
        {
            "icl" => SubjectPrompt.Create(lm, IclPrompt.Build("The capital city of {} is", "Peru", examples, lm.PromptPrefix), "Peru"),
            "no-prefix" => SubjectPrompt.Create(lm, "China has a capital city called", "China"),      // subject = token 0: no cache
            "subject-last" => SubjectPrompt.Create(lm, lm.PromptPrefix + "The capital city of Peru", "Peru"), // suffix of one token
            _ => throw new ArgumentException(kind),
        };
        Assert.Equal(kind == "no-prefix", p.SubjectIndex == 0);
        Assert.Equal(kind == "subject-last", p.SubjectIndex == p.LastIndex);
        return p;
    }

    private static double RelativeError(Tensor a, Tensor reference)
    {
        double scale = Math.Max(reference.to(ScalarType.Float64).norm().item<double>(), 1e-12);
        return (a.to(ScalarType.Float64) - reference.to(ScalarType.Float64)).norm().item<double>() / scale;
    }

    [Theory]
    [MemberData(nameof(Prompts))]
    public void EveryLayerEqualsTheReplicatedReference(string kind)
    {
        using var lm = Load();
        using var scope = torch.NewDisposeScope();
        var prompt = Prompt(lm, kind);
        var layers = LayerRef.All(lm.Model.NumLayers).ToList();
        Assert.True(SubjectJacobian.IsLinearized(lm.Model));
        foreach (int? chunk in new int?[] { null, 24, 7 })
        {
            var all = SubjectJacobian.ComputeAllLayers(lm.Model, prompt, layers, Linearized with { ChunkSize = chunk });
            foreach (var layer in layers)
            {
                var reference = ReplicatedJacobian.Compute(lm.Model, prompt, layer, Replicated with { ChunkSize = 16 });
                var single = SubjectJacobian.Compute(lm.Model, prompt, layer, Linearized with { ChunkSize = chunk });
                string where = $"{kind}, layer {layer}, chunk {chunk?.ToString() ?? "budget"}";
                bool lastLayer = layer == LayerRef.At(lm.Model.NumLayers - 1);
                if (lastLayer && kind != "subject-last")
                    Assert.True(reference.Jacobian.abs().max().item<float>() == 0, where); // z cannot see h
                else
                    Assert.True(reference.Jacobian.norm().item<float>() > 1e-3, $"{where}: the reference Jacobian must not be trivially zero");
                Assert.True(RelativeError(all[layer].Jacobian, reference.Jacobian) < 1e-6, $"{where}: all-layers vs replicated {RelativeError(all[layer].Jacobian, reference.Jacobian):E2}");
                Assert.True(RelativeError(single.Jacobian, reference.Jacobian) < 1e-6, $"{where}: single layer vs replicated");
                Assert.True(RelativeError(all[layer].H, reference.H) < 1e-6, $"{where}: h");
                Assert.True(RelativeError(all.Z, reference.Z) < 1e-6, $"{where}: z");
            }
        }
    }

    /// <summary>GPT-Neo's tapes (unscaled scores, local windows) on gpt2-tiny's weights converted to GPT-Neo, blocks below
    /// <paramref name="local"/> attending to <paramref name="window"/> tokens.</summary>
    [Theory]
    [InlineData(2, 1)]
    [InlineData(3, 3)]
    public void GptNeoLocalLayersEqualTheReplicatedReference(int local, int window)
    {
        using var lm = LanguageModel.Load(Relens.Tests.Models.GptNeoTests.AsGptNeo(local, window), ScalarType.Float64);
        using var scope = torch.NewDisposeScope();
        var prompt = Prompt(lm, "icl");
        var layers = LayerRef.All(lm.Model.NumLayers).ToList();
        Assert.True(SubjectJacobian.IsLinearized(lm.Model));
        var all = SubjectJacobian.ComputeAllLayers(lm.Model, prompt, layers, Linearized);
        foreach (var layer in layers)
        {
            var reference = ReplicatedJacobian.Compute(lm.Model, prompt, layer, Replicated with { ChunkSize = 16 });
            if (layer == LayerRef.At(lm.Model.NumLayers - 1))
                Assert.True(reference.Jacobian.abs().max().item<float>() == 0, $"layer {layer}");
            else
                Assert.True(reference.Jacobian.norm().item<float>() > 1e-3, $"layer {layer}: the reference Jacobian must not be trivially zero");
            Assert.True(RelativeError(all[layer].Jacobian, reference.Jacobian) < 1e-6, $"layer {layer}: {RelativeError(all[layer].Jacobian, reference.Jacobian):E2}");
            Assert.True(RelativeError(all.Z, reference.Z) < 1e-6, $"layer {layer}: z");
        }
        // one layer alone: the blocks below it run untaped, with a window of 1 without scores (AttendsToSelfOnly)
        var above = LayerRef.At(local);
        var alone = SubjectJacobian.ComputeAllLayers(lm.Model, prompt, [above], Linearized);
        Assert.True(RelativeError(alone[above].Jacobian, all[above].Jacobian) < 1e-12, $"layer {above} alone");
        Assert.True(RelativeError(alone.Z, all.Z) < 1e-12, $"layer {above} alone: z");
    }

    [Fact]
    public void PromptsRecordedTogetherEqualEachAlone()
    {
        // different lengths and suffixes (2, all tokens, 1): left padding and per-prompt tapes in one batch
        using var lm = Load();
        using var scope = torch.NewDisposeScope();
        var prompts = new[] { "icl", "no-prefix", "subject-last" }.Select(k => Prompt(lm, k)).ToList();
        var layers = new[] { LayerRef.Embedding, LayerRef.At(1), LayerRef.At(3) };
        int seen = 0;
        SubjectJacobian.ComputeMany(lm.Model, prompts, layers, (i, together) =>
        {
            Assert.Equal(seen++, i);
            foreach (var layer in layers)
            {
                var reference = ReplicatedJacobian.Compute(lm.Model, prompts[i], layer, Replicated);
                string where = $"prompt {i}, layer {layer}";
                Assert.True(RelativeError(together.Jacobians[layer], reference.Jacobian) < 1e-6 || reference.Jacobian.norm().item<float>() == 0, where);
                Assert.True(RelativeError(together.H[layer], reference.H) < 1e-6, where);
                Assert.True(RelativeError(together.Z, reference.Z) < 1e-6, where);
            }
        }, Linearized with { RecordBatchSize = 3, ChunkSize = 20 });
        Assert.Equal(prompts.Count, seen);
    }

    [Fact]
    public void SubjectAsLastTokenGivesTheIdentityAtTheLastLayer()
    {
        using var lm = Load();
        using var scope = torch.NewDisposeScope();
        var last = LayerRef.At(lm.Model.NumLayers - 1);
        var j = SubjectJacobian.Compute(lm.Model, Prompt(lm, "subject-last"), last, Linearized).Jacobian;
        Assert.Equal(0f, (j - torch.eye(lm.Model.HiddenSize)).abs().max().item<float>());
    }

    [Fact]
    public void Float32LinearizedMatchesFloat32Replicated()
    {
        using var lm = Load(ScalarType.Float32);
        using var scope = torch.NewDisposeScope();
        var prompt = Prompt(lm, "icl");
        var layers = new[] { LayerRef.Embedding, LayerRef.At(1), LayerRef.At(2) };
        var all = SubjectJacobian.ComputeAllLayers(lm.Model, prompt, layers, Linearized with { ChunkSize = 40 });
        foreach (var layer in layers)
        {
            var reference = ReplicatedJacobian.Compute(lm.Model, prompt, layer, Replicated);
            Assert.True(RelativeError(all[layer].Jacobian, reference.Jacobian) < 1e-4, $"layer {layer}: {RelativeError(all[layer].Jacobian, reference.Jacobian):E2}");
        }
    }

    [Theory]
    [InlineData(ScalarType.Float16, 5e-3)]
    [InlineData(ScalarType.BFloat16, 3e-2)]
    public void HalfPrecisionAgreesWithinItsRounding(ScalarType dtype, double tolerance)
    {
        // both paths compute in the model dtype (softmax in float32), so they differ by half-precision rounding
        using var lm = Load(dtype);
        using var scope = torch.NewDisposeScope();
        var prompt = Prompt(lm, "icl");
        var fast = SubjectJacobian.Compute(lm.Model, prompt, LayerRef.At(1), Linearized);
        var reference = ReplicatedJacobian.Compute(lm.Model, prompt, LayerRef.At(1), Replicated);
        Assert.True(RelativeError(fast.Jacobian, reference.Jacobian) < tolerance, $"{dtype}: {RelativeError(fast.Jacobian, reference.Jacobian):E2}");
    }

    [Fact]
    public void ActiveHooksFallBackToTheReplicatedPath()
    {
        using var lm = Load();
        using var scope = torch.NewDisposeScope();
        var prompt = Prompt(lm, "icl");
        var delta = torch.full(lm.Model.HiddenSize, 0.01, dtype: ScalarType.Float64);
        using (lm.Model.Hook(HookNames.ResidPost(1)).Add(HookEdits.AddEverywhere(delta)))
        {
            Assert.False(SubjectJacobian.IsLinearized(lm.Model));
            var e = Assert.Throws<RelensException>(() => SubjectJacobian.Compute(lm.Model, prompt, LayerRef.At(0), Linearized));
            Assert.Contains("hooks are active", e.Message);
            // Auto honours the hook (the reference path runs the model's own forward pass)
            var hooked = SubjectJacobian.Compute(lm.Model, prompt, LayerRef.At(2));
            var reference = ReplicatedJacobian.Compute(lm.Model, prompt, LayerRef.At(2), Replicated);
            Assert.Equal(0.0, RelativeError(hooked.Z, reference.Z));
        }
        Assert.True(SubjectJacobian.IsLinearized(lm.Model));
    }

    [Fact]
    public void EstimateLayersEqualsOneEstimatePerLayer()
    {
        using var lm = Load(ScalarType.Float32);
        using var scope = torch.NewDisposeScope();
        var relation = RelationDataset.Load(TestPaths.Relations).Find("country capital city");
        var train = relation.Samples.Take(4).ToList();
        var layers = new[] { LayerRef.Embedding, LayerRef.At(0), LayerRef.At(2), LayerRef.At(3) };
        var many = LreEstimator.EstimateLayers(lm, relation.Name, relation.PromptTemplates[0], train, layers, 2.25);
        Assert.Equal(layers, many.Select(r => r.Layer));
        foreach (var lre in many)
        {
            using var one = LreEstimator.Estimate(lm, relation.Name, relation.PromptTemplates[0], train, lre.Layer, 2.25, Replicated);
            Assert.True(RelativeError(lre.Weight, one.Weight) < 1e-4 || one.Weight.norm().item<float>() == 0, $"W at {lre.Layer}");
            Assert.True(RelativeError(lre.Bias, one.Bias) < 1e-4, $"b at {lre.Layer}");
            Assert.Equal(one.Info.PromptTemplate, lre.Info.PromptTemplate);
            Assert.Equal(2.25, lre.Beta);
            lre.Dispose();
        }
    }
}
