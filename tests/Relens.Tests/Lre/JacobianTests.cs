using Relens.Lre;
using Relens.Models;
using Relens.Models.Hooks;
using Relens.Relations;
using Relens.Tests.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Tests.Lre;

/// <summary>The batched Jacobian against two independent computations: d row-by-row autograd passes through
/// the full model (via a replacement hook) and central finite differences, in float64.</summary>
[Trait(TestCategories.Name, TestCategories.Golden)]
public class JacobianTests
{
    private static (LanguageModel Lm, SubjectPrompt Prompt) Setup(string model)
    {
        var lm = model.EndsWith("-tiny") ? LanguageModel.Load(TestPaths.Golden(model), ScalarType.Float64) : RandomModel(model);
        var examples = new[] { new RelationSample("China", "Beijing"), new RelationSample("Peru", "Lima"), new RelationSample("France", "Paris") };
        var text = IclPrompt.Build("The capital city of {} is", "Peru", examples, lm.PromptPrefix);
        return (lm, SubjectPrompt.Create(lm, text, "Peru"));
    }

    /// <summary>The families without a golden (Qwen3, OLMo 2, Gemma) as small random float64 models.</summary>
    private static LanguageModel RandomModel(string name) => FamilyModels.Random(name, dtype: ScalarType.Float64);

    /// <summary>z at the last token as a function of h at the subject token, by a full forward pass with a replacement hook.</summary>
    private static Tensor ZWithH(LanguageModel lm, SubjectPrompt p, LayerRef layer, Tensor h)
    {
        var ids = torch.tensor(p.Tokens.Ids.Select(i => (long)i).ToArray(), [1, p.Tokens.Count], ScalarType.Int64);
        using var hook = lm.Model.Hook(layer.HookName).Add(HookEdits.ReplaceAt([p.SubjectIndex], h.unsqueeze(0)));
        return lm.Model.Forward(new ForwardInput { InputIds = ids, Logits = LogitsAt.None }).LastBlockOutput.select(0, 0).select(0, -1);
    }

    public static TheoryData<string> Models => new() { "gpt2-tiny", "gptj-tiny", "neox-tiny", "llama-tiny", "qwen2-tiny", "gemma2-tiny", "phi3-tiny", "qwen3", "olmo2" };

    [Theory]
    [InlineData("gpt2-tiny", -1)]
    [InlineData("gpt2-tiny", 0)]
    [InlineData("gpt2-tiny", 2)]
    // rotary models: one inner layer each (the subject's rotated keys feed later positions; emb adds nothing new)
    [InlineData("gptj-tiny", 1)]
    [InlineData("neox-tiny", 1)]
    [InlineData("llama-tiny", 1)]
    [InlineData("qwen2-tiny", 1)]
    [InlineData("gemma2-tiny", 1)]
    [InlineData("phi3-tiny", 1)]
    [InlineData("qwen3", 0)]
    [InlineData("olmo2", 0)]
    [InlineData("gemma", 0)]
    public void BatchedJacobianEqualsRowByRowAutogradAndFiniteDifferences(string model, int layerIndex)
    {
        var (lm, prompt) = Setup(model);
        using var _ = lm;
        using var scope = torch.NewDisposeScope();
        var layer = layerIndex < 0 ? LayerRef.Embedding : LayerRef.At(layerIndex);
        // several chunks, so the chunk bookkeeping is exercised too
        var batched = SubjectJacobian.Compute(lm.Model, prompt, layer, new JacobianOptions { ChunkSize = 24 });
        long d = lm.Model.HiddenSize;
        var h0 = batched.H.to(ScalarType.Float64);

        // row by row: one backward pass per output coordinate through the whole model
        var rowByRow = torch.zeros(d, d, dtype: ScalarType.Float64);
        for (long k = 0; k < d; k++)
        {
            using var rowScope = torch.NewDisposeScope();
            using var grad = torch.enable_grad();
            var h = h0.clone().requires_grad_(true);
            var z = ZWithH(lm, prompt, layer, h);
            var g = torch.autograd.grad([z[k]], [h])[0];
            rowByRow[k].copy_(g);
        }

        // central differences, column by column
        var fd = torch.zeros(d, d, dtype: ScalarType.Float64);
        const double eps = 1e-5;
        using (torch.no_grad())
        {
            for (long j = 0; j < d; j++)
            {
                using var colScope = torch.NewDisposeScope();
                var e = torch.zeros(d, dtype: ScalarType.Float64); e[j] = eps;
                var diff = (ZWithH(lm, prompt, layer, h0 + e) - ZWithH(lm, prompt, layer, h0 - e)) / (2 * eps);
                fd[TensorIndex.Colon, j] = diff;
            }
        }
        var j64 = batched.Jacobian.to(ScalarType.Float64);
        double scale = rowByRow.norm().item<double>();
        Assert.True(scale > 1e-3, "the Jacobian must not be trivially zero at this layer");
        double vsAutograd = (j64 - rowByRow).norm().item<double>() / scale;
        double vsFd = (rowByRow - fd).norm().item<double>() / scale;
        Assert.True(vsAutograd < 1e-6, $"batched vs row-by-row autograd: relative error {vsAutograd:E2}"); // float32 output rounding
        Assert.True(vsFd < 1e-6, $"autograd vs finite differences: relative error {vsFd:E2}");
        // z from the prefix-cached suffix pass equals the full pass
        using (torch.no_grad())
            Assert.True((batched.Z.to(ScalarType.Float64) - ZWithH(lm, prompt, layer, h0)).abs().max().item<double>() < 1e-5);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void LastLayerHasZeroJacobian(string model)
    {
        var (lm, prompt) = Setup(model);
        using var _ = lm;
        using var scope = torch.NewDisposeScope();
        var r = SubjectJacobian.Compute(lm.Model, prompt, LayerRef.At(lm.Model.NumLayers - 1));
        Assert.Equal(0.0, r.Jacobian.abs().max().item<float>());
    }
}
