using System.Text.Json.Nodes;
using Relens.Lre;
using Relens.Models;
using Relens.Models.Hooks;
using Relens.Relations;
using Relens.Tests.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Tests.Lre;

/// <summary>
/// The rotary families' tapes (LLaMA/Mistral, Qwen 2, Phi-3, Gemma through the shared decoder, GPT-J, GPT-NeoX) against
/// the replicated autograd reference and central finite differences of the model's own forward pass, in float64:
/// the golden folders, plus cases built here — grouped-query attention with biases and rope scaling, Mistral's sliding
/// window (shorter than the prompt), NeoX's sequential residual and Gemma's scaled embedding.
/// </summary>
[Trait(TestCategories.Name, TestCategories.Golden)]
public class RotaryLinearizedJacobianTests
{
    private static readonly JacobianOptions Linearized = new() { Method = JacobianMethod.Linearized };
    private static readonly JacobianOptions Replicated = new() { Method = JacobianMethod.Replicated };

    internal static LanguageModel Load(string model, ScalarType dtype = ScalarType.Float64) => model switch
    {
        "mistral-window" => LanguageModel.Load(ModelFolders.Rewrite("llama-tiny", "mistral-w4", editConfig: c =>
        {
            c["model_type"] = "mistral";
            c["architectures"] = new JsonArray("MistralForCausalLM");
            c["sliding_window"] = 4;
        }), dtype),
        "neox-sequential" => LanguageModel.Load(ModelFolders.Rewrite("neox-tiny", "sequential", editConfig: c => c["use_parallel_residual"] = false), dtype),
        // GQA 4/2 with biases on q/k/v/o, rope_theta and linear rope scaling
        "llama-gqa" => FamilyModels.Random("llama", c =>
        {
            c["num_key_value_heads"] = 2;
            c["attention_bias"] = true;
            c["rope_theta"] = 500000.0;
            c["rope_scaling"] = new JsonObject { ["type"] = "linear", ["factor"] = 2.0 };
        }, dtype),
        // one KV head for four queries and a window of 3 keys
        "mistral-gqa-window" => FamilyModels.Random("llama", c =>
        {
            c["model_type"] = "mistral";
            c["architectures"] = new JsonArray("MistralForCausalLM");
            c["num_key_value_heads"] = 1;
            c["sliding_window"] = 3;
        }, dtype),
        "gemma" => FamilyModels.Random("gemma", dtype: dtype),
        _ => LanguageModel.Load(TestPaths.Golden(model), dtype),
    };

    public static TheoryData<string> Models => new()
    {
        "llama-tiny", "qwen2-tiny", "phi3-tiny", "gptj-tiny", "neox-tiny",
        "mistral-window", "neox-sequential", "llama-gqa", "mistral-gqa-window", "gemma",
    };

    private static SubjectPrompt Prompt(LanguageModel lm, string kind)
    {
        var examples = new[] { new RelationSample("China", "Beijing"), new RelationSample("Peru", "Lima"), new RelationSample("France", "Paris") };
        return kind switch
        {
            "icl" => SubjectPrompt.Create(lm, IclPrompt.Build("The capital city of {} is", "Peru", examples, lm.PromptPrefix), "Peru"),
            "short" => SubjectPrompt.Create(lm, lm.PromptPrefix + "China has a capital city called", "China"),
            "subject-last" => SubjectPrompt.Create(lm, lm.PromptPrefix + "The capital city of Peru", "Peru"),
            _ => throw new ArgumentException(kind),
        };
    }

    private static double RelativeError(Tensor a, Tensor reference)
    {
        double scale = Math.Max(reference.to(ScalarType.Float64).norm().item<double>(), 1e-12);
        return (a.to(ScalarType.Float64) - reference.to(ScalarType.Float64)).norm().item<double>() / scale;
    }

    /// <summary>z at the last token with h replaced at the subject token, by the model's own forward pass.</summary>
    private static Tensor ZWithH(LanguageModel lm, SubjectPrompt p, LayerRef layer, Tensor h)
    {
        var ids = torch.tensor(p.Tokens.Ids.Select(i => (long)i).ToArray(), [1, p.Tokens.Count], ScalarType.Int64);
        using var hook = lm.Model.Hook(layer.HookName).Add(HookEdits.ReplaceAt([p.SubjectIndex], h.unsqueeze(0)));
        return lm.Model.Forward(new ForwardInput { InputIds = ids, Logits = LogitsAt.None }).LastBlockOutput.select(0, 0).select(0, -1);
    }

    internal static Tensor CentralDifferences(LanguageModel lm, SubjectPrompt p, LayerRef layer, Tensor h0)
    {
        long d = h0.shape[0];
        const double eps = 1e-5;
        var fd = torch.zeros(d, d, dtype: ScalarType.Float64);
        using var noGrad = torch.no_grad();
        for (long j = 0; j < d; j++)
        {
            using var colScope = torch.NewDisposeScope();
            var e = torch.zeros(d, dtype: ScalarType.Float64); e[j] = eps;
            fd[TensorIndex.Colon, j] = (ZWithH(lm, p, layer, h0 + e) - ZWithH(lm, p, layer, h0 - e)) / (2 * eps);
        }
        return fd;
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void EmbMiddleAndLastLayersEqualTheReplicatedReferenceAndFiniteDifferences(string model)
    {
        using var lm = Load(model);
        using var scope = torch.NewDisposeScope();
        Assert.True(SubjectJacobian.IsLinearized(lm.Model), $"{model} has tapes");
        var prompt = Prompt(lm, "icl");
        int n = lm.Model.NumLayers;
        var layers = new[] { LayerRef.Embedding, LayerRef.At(n / 2), LayerRef.At(n - 2), LayerRef.At(n - 1) }.Distinct().ToList();
        var all = SubjectJacobian.ComputeAllLayers(lm.Model, prompt, layers, Linearized with { ChunkSize = 24 });
        foreach (var layer in layers)
        {
            var reference = ReplicatedJacobian.Compute(lm.Model, prompt, layer, Replicated with { ChunkSize = 16 });
            string where = $"{model}, layer {layer}";
            if (layer == LayerRef.At(n - 1))
            {
                Assert.Equal(0f, reference.Jacobian.abs().max().item<float>()); // z cannot see h at the subject
                Assert.Equal(0f, all[layer].Jacobian.abs().max().item<float>());
                continue;
            }
            Assert.True(reference.Jacobian.norm().item<float>() > 1e-3, $"{where}: the reference Jacobian must not be trivially zero");
            double vsReplicated = RelativeError(all[layer].Jacobian, reference.Jacobian);
            Assert.True(vsReplicated < 1e-6, $"{where}: linearized vs replicated {vsReplicated:E2}");
            Assert.True(RelativeError(all[layer].H, reference.H) < 1e-6, $"{where}: h");
            Assert.True(RelativeError(all.Z, reference.Z) < 1e-6, $"{where}: z");
            if (layer == LayerRef.At(n - 2)) continue; // differences for emb and the middle layer keep the test fast
            double vsFd = RelativeError(all[layer].Jacobian, CentralDifferences(lm, prompt, layer, all[layer].H.to(ScalarType.Float64)));
            Assert.True(vsFd < 1e-6, $"{where}: linearized vs central differences {vsFd:E2}");
        }
    }

    /// <summary>Prompts of different lengths recorded as one left-padded batch: rotary positions come from the mask.</summary>
    [Theory]
    [InlineData("llama-gqa")]
    [InlineData("mistral-gqa-window")]
    [InlineData("gptj-tiny")]
    [InlineData("neox-tiny")]
    public void PromptsRecordedTogetherEqualEachAlone(string model)
    {
        using var lm = Load(model);
        using var scope = torch.NewDisposeScope();
        var prompts = new[] { "icl", "short", "subject-last" }.Select(k => Prompt(lm, k)).ToList();
        var layers = new[] { LayerRef.Embedding, LayerRef.At(1) };
        int seen = 0;
        SubjectJacobian.ComputeMany(lm.Model, prompts, layers, (i, together) =>
        {
            Assert.Equal(seen++, i);
            foreach (var layer in layers)
            {
                var reference = ReplicatedJacobian.Compute(lm.Model, prompts[i], layer, Replicated);
                string where = $"{model}, prompt {i}, layer {layer}";
                // a window shorter than the distance from the subject to the last token hides h from z entirely
                if (reference.Jacobian.abs().max().item<float>() == 0)
                    Assert.Equal(0f, together.Jacobians[layer].abs().max().item<float>());
                else
                    Assert.True(RelativeError(together.Jacobians[layer], reference.Jacobian) < 1e-6, $"{where}: {RelativeError(together.Jacobians[layer], reference.Jacobian):E2}");
                Assert.True(RelativeError(together.Z, reference.Z) < 1e-6, where);
            }
        }, Linearized with { RecordBatchSize = 3, ChunkSize = 20 });
        Assert.Equal(prompts.Count, seen);
    }

    [Theory]
    [InlineData("llama-tiny", ScalarType.Float32, 1e-4)]
    [InlineData("phi3-tiny", ScalarType.Float32, 1e-4)]
    [InlineData("gptj-tiny", ScalarType.Float32, 1e-4)]
    [InlineData("neox-tiny", ScalarType.Float32, 1e-4)]
    [InlineData("llama-tiny", ScalarType.BFloat16, 3e-2)]
    [InlineData("gptj-tiny", ScalarType.BFloat16, 3e-2)]
    [InlineData("neox-tiny", ScalarType.BFloat16, 3e-2)]
    public void LowerPrecisionAgreesWithinItsRounding(string model, ScalarType dtype, double tolerance)
    {
        using var lm = Load(model, dtype);
        using var scope = torch.NewDisposeScope();
        var prompt = Prompt(lm, "icl");
        var fast = SubjectJacobian.Compute(lm.Model, prompt, LayerRef.At(1), Linearized);
        var reference = ReplicatedJacobian.Compute(lm.Model, prompt, LayerRef.At(1), Replicated);
        double error = RelativeError(fast.Jacobian, reference.Jacobian);
        Assert.True(error < tolerance, $"{model} {dtype}: {error:E2}");
    }

    [Theory]
    [InlineData("gemma2-tiny")] // attention soft-capping
    [InlineData("qwen3")]       // per-head q/k norms
    [InlineData("olmo2")]       // post-norm blocks
    public void FamiliesWithoutTapesKeepTheReplicatedPath(string model)
    {
        using var lm = model.EndsWith("-tiny") ? Load(model) : FamilyModels.Random(model, dtype: ScalarType.Float64);
        Assert.False(SubjectJacobian.IsLinearized(lm.Model));
        var e = Assert.Throws<RelensException>(() => SubjectJacobian.Compute(lm.Model, Prompt(lm, "icl"), LayerRef.At(0), Linearized));
        Assert.Contains("no block tapes", e.Message);
    }
}
