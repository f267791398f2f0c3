using Relens.Lre;
using Relens.Models;
using Relens.Relations;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Tests.Lre;

/// <summary>
/// The linearized Jacobian with several prompts' cotangents stacked into one backward call (TapeGroup) against the same
/// path one prompt at a time, the replicated autograd reference and central finite differences, in float64: GPT-2,
/// GPT-Neo with local windows (shorter than the prompt, and one that hides the subject from z), and the rotary families
/// with grouped-query attention and sliding windows. Prompts of different lengths (left padding), runs of equal suffixes
/// split into groups, a prompt of another suffix between them.
/// </summary>
public class StackedPromptJacobianTests
{
    private static readonly JacobianOptions Linearized = new() { Method = JacobianMethod.Linearized };
    private static readonly JacobianOptions OneAtATime = Linearized with { PromptsPerCall = 1 };
    private static readonly JacobianOptions Replicated = new() { Method = JacobianMethod.Replicated };

    private static LanguageModel Load(string model) => model switch
    {
        "gpt2-tiny" => LanguageModel.Load(TestPaths.Golden("gpt2-tiny"), ScalarType.Float64),
        "gptneo-local-2-1" => LanguageModel.Load(Relens.Tests.Models.GptNeoTests.AsGptNeo(2, 1), ScalarType.Float64),
        "gptneo-local-3-3" => LanguageModel.Load(Relens.Tests.Models.GptNeoTests.AsGptNeo(3, 3), ScalarType.Float64),
        _ => RotaryLinearizedJacobianTests.Load(model),
    };

    /// <summary>Three ICL prompts with the same suffix (a run), a shorter prompt with a longer suffix, then two more ICL
    /// prompts (another run): lengths differ, so the batch is left-padded.</summary>
    private static List<SubjectPrompt> Prompts(LanguageModel lm)
    {
        var examples = new[] { new RelationSample("China", "Beijing"), new RelationSample("Peru", "Lima"), new RelationSample("France", "Paris") };
        SubjectPrompt Icl(string subject) =>
            SubjectPrompt.Create(lm, IclPrompt.Build("The capital city of {} is", subject, examples, lm.PromptPrefix), subject);
        return [Icl("China"), Icl("Peru"), Icl("Germany"), SubjectPrompt.Create(lm, lm.PromptPrefix + "China has a capital city called", "China"),
            Icl("France"), Icl("Spain")];
    }

    private static double RelativeError(Tensor a, Tensor reference)
    {
        double scale = Math.Max(reference.to(ScalarType.Float64).norm().item<double>(), 1e-12);
        return (a.to(ScalarType.Float64) - reference.to(ScalarType.Float64)).norm().item<double>() / scale;
    }

    private static List<Dictionary<LayerRef, Tensor>> Collect(LanguageModel lm, List<SubjectPrompt> prompts, IReadOnlyList<LayerRef> layers,
        JacobianOptions options, DisposeScope keep)
    {
        var results = new List<Dictionary<LayerRef, Tensor>>();
        // the callback's tensors die with it: keep copies, detached from its scope and attached to the test's
        Tensor Keep(Tensor t) { var copy = t.clone().DetachFromDisposeScope(); keep.Attach(copy); return copy; }
        SubjectJacobian.ComputeMany(lm.Model, prompts, layers, (i, r) =>
        {
            Assert.Equal(results.Count, i);
            results.Add(r.Jacobians.ToDictionary(kv => kv.Key, kv => Keep(kv.Value)));
        }, options);
        return results;
    }

    [Theory]
    [InlineData("gpt2-tiny")]
    [InlineData("gptneo-local-2-1")]
    [InlineData("gptneo-local-3-3")]
    [InlineData("llama-gqa")]
    [InlineData("mistral-gqa-window")]
    [InlineData("gptj-tiny")]
    [InlineData("neox-tiny")]
    public void StackedPromptsEqualOneAtATimeTheReplicatedReferenceAndFiniteDifferences(string model)
    {
        using var lm = Load(model);
        using var scope = torch.NewDisposeScope();
        var prompts = Prompts(lm);
        var suffixes = prompts.Select(p => p.Tokens.Count - p.SubjectIndex).ToList();
        Assert.True(suffixes[0] == suffixes[1] && suffixes[1] == suffixes[2] && suffixes[3] != suffixes[2] && suffixes[4] == suffixes[5],
            $"{model}: the prompts must form runs of equal suffixes ({string.Join(", ", suffixes)})");
        Assert.True(prompts.Select(p => p.Tokens.Count).Distinct().Count() > 1, "prompts of different lengths");
        // by default a tiny model stacks every run whole
        Assert.True(LinearizedJacobian.PromptsPerCall(lm.Model, suffixes[0], prompts.Max(p => p.Tokens.Count), Linearized) >= 3);
        int n = lm.Model.NumLayers;
        var layers = new[] { LayerRef.Embedding, LayerRef.At(n / 2), LayerRef.At(n - 2), LayerRef.At(n - 1) }.Distinct().ToList();
        var alone = Collect(lm, prompts, layers, OneAtATime, scope);
        // default stacking (runs of 3 and 2), and runs cut into groups of 2 and 1 with several row chunks each
        foreach (var options in new[] { Linearized, Linearized with { PromptsPerCall = 2, ChunkSize = 20 } })
        {
            var stacked = Collect(lm, prompts, layers, options, scope);
            Assert.Equal(prompts.Count, stacked.Count);
            for (int i = 0; i < prompts.Count; i++)
                foreach (var layer in layers)
                {
                    string where = $"{model}, prompt {i}, layer {layer}, {options.PromptsPerCall?.ToString() ?? "auto"} per call";
                    if (alone[i][layer].abs().max().item<float>() == 0)
                        Assert.Equal(0f, stacked[i][layer].abs().max().item<float>()); // z cannot see h (last layer, windows)
                    else
                        Assert.True(RelativeError(stacked[i][layer], alone[i][layer]) < 1e-7, $"{where}: stacked vs alone {RelativeError(stacked[i][layer], alone[i][layer]):E2}");
                }
        }
        // the middle prompt of the first group against the two independent references
        var stackedMiddle = Collect(lm, prompts, layers, Linearized, scope)[1];
        foreach (var layer in layers.Take(3))
        {
            var reference = ReplicatedJacobian.Compute(lm.Model, prompts[1], layer, Replicated with { ChunkSize = 16 });
            string where = $"{model}, prompt 1, layer {layer}";
            if (reference.Jacobian.abs().max().item<float>() == 0)
            {
                Assert.Equal(0f, stackedMiddle[layer].abs().max().item<float>());
                continue;
            }
            Assert.True(RelativeError(stackedMiddle[layer], reference.Jacobian) < 1e-6, $"{where}: stacked vs replicated {RelativeError(stackedMiddle[layer], reference.Jacobian):E2}");
            if (layer == LayerRef.At(n - 2)) continue; // differences for emb and the middle layer keep the test fast
            double vsFd = RelativeError(stackedMiddle[layer], RotaryLinearizedJacobianTests.CentralDifferences(lm, prompts[1], layer, reference.H.to(ScalarType.Float64)));
            Assert.True(vsFd < 1e-6, $"{where}: stacked vs central differences {vsFd:E2}");
        }
    }

    [Fact]
    public void LreOfStackedPromptsEqualsOnePromptAtATime()
    {
        // what `relens run` computes (float32, the default options) must not change beyond float rounding
        using var lm = LanguageModel.Load(TestPaths.Golden("gpt2-tiny"));
        using var scope = torch.NewDisposeScope();
        var relation = RelationDataset.Load(TestPaths.Relations).Find("country capital city");
        var train = relation.Samples.Take(5).ToList();
        var layers = new[] { LayerRef.Embedding, LayerRef.At(1), LayerRef.At(2) };
        var stacked = LreEstimator.EstimateLayers(lm, relation.Name, relation.PromptTemplates[0], train, layers, 2.25);
        var alone = LreEstimator.EstimateLayers(lm, relation.Name, relation.PromptTemplates[0], train, layers, 2.25, JacobianOptions.Default with { PromptsPerCall = 1 });
        for (int i = 0; i < layers.Length; i++)
        {
            Assert.True(RelativeError(stacked[i].Weight, alone[i].Weight) < 1e-5, $"W at {layers[i]}: {RelativeError(stacked[i].Weight, alone[i].Weight):E2}");
            Assert.True(RelativeError(stacked[i].Bias, alone[i].Bias) < 1e-5, $"b at {layers[i]}");
            stacked[i].Dispose();
            alone[i].Dispose();
        }
    }

    [Fact]
    public void StackedJacobiansLeakNoTensors()
    {
        using var lm = LanguageModel.Load(TestPaths.Golden("gpt2-tiny"));
        var prompts = Prompts(lm);
        var layers = new[] { LayerRef.Embedding, LayerRef.At(2) };
        using (var warm = torch.NewDisposeScope()) SubjectJacobian.ComputeMany(lm.Model, prompts, layers, (_, _) => { }, Linearized);
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        using (var scope = torch.NewDisposeScope())
            SubjectJacobian.ComputeMany(lm.Model, prompts, layers, (_, r) => r.Jacobians[LayerRef.At(2)].sum(), Linearized with { PromptsPerCall = 2, ChunkSize = 24 });
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void GroupsAreRunsOfEqualSuffixColumnsCutIntoNearEqualParts()
    {
        var groups = TapeGroup.Plan([5, 5, 5, 5, 5, 3, 5, 5], _ => 3);
        Assert.Equal(new[] { (0L, 3L, 5L), (3L, 2L, 5L), (5L, 1L, 3L), (6L, 2L, 5L) }, groups.Select(g => (g.First, g.Count, g.From)));
        Assert.Equal(new[] { 1L, 1L }, TapeGroup.Plan([4, 4], _ => 1).Select(g => g.Count));
    }
}
