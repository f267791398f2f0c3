using Relens.Lre;
using Relens.Models;
using Relens.Models.GptJ;
using Relens.Models.GptNeoX;
using Relens.Models.Hooks;
using Relens.Relations;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Tests.Models;

/// <summary>
/// How each architecture's blocks combine attention and MLP, seen through the hook points: parallel blocks
/// (GPT-J, NeoX by default) add both to the block input and never run resid_mid; sequential ones (GPT-2,
/// LLaMA, NeoX with use_parallel_residual false) feed the MLP the mid-block residual.
/// </summary>
[Trait(TestCategories.Name, TestCategories.Golden)]
public class BlockWiringTests
{
    private const string Prompt = "The capital city of France is Paris\nThe capital city of Japan is";
    private const int Layer = 1;

    private static Dictionary<string, Tensor> Capture(LanguageModel lm, out Tensor logits)
    {
        string[] names = [HookNames.ResidPre(Layer), HookNames.AttnOut(Layer), HookNames.ResidMid(Layer), HookNames.MlpOut(Layer), HookNames.ResidPost(Layer)];
        using var capture = new ActivationCapture(lm.Model.HookPoints, names);
        using var noGrad = torch.no_grad();
        logits = lm.Model.Forward(new ForwardInput { InputIds = ModelFolders.Ids(lm, Prompt) }).Logits!;
        return names.Where(capture.Has).ToDictionary(n => n, n => capture[n].clone());
    }

    private static void Close(Tensor expected, Tensor actual, string what) =>
        Assert.True(ModelFolders.MaxDiff(expected, actual) <= 1e-5, $"{what}: differs by {ModelFolders.MaxDiff(expected, actual):E2}");

    [Theory]
    [InlineData("gpt2-tiny", false)]
    [InlineData("gptj-tiny", true)]
    [InlineData("neox-tiny", true)]
    [InlineData("llama-tiny", false)]
    [InlineData("qwen2-tiny", false)]
    [InlineData("gemma2-tiny", false)]
    [InlineData("phi3-tiny", false)]
    public void HooksDecomposeTheResidualStream(string model, bool parallel)
    {
        using var lm = LanguageModel.Load(TestPaths.Golden(model));
        using var scope = torch.NewDisposeScope();
        var a = Capture(lm, out _);
        var pre = a[HookNames.ResidPre(Layer)];
        var attn = a[HookNames.AttnOut(Layer)];
        var mlp = a[HookNames.MlpOut(Layer)];
        var post = a[HookNames.ResidPost(Layer)];
        if (parallel)
        {
            Assert.False(a.ContainsKey(HookNames.ResidMid(Layer)), "a parallel block has no resid_mid point");
            Close(pre + attn + mlp, post, "resid_post = resid_pre + attn_out + mlp_out");
        }
        else
        {
            var mid = a[HookNames.ResidMid(Layer)];
            Close(pre + attn, mid, "resid_mid = resid_pre + attn_out");
            Close(mid + mlp, post, "resid_post = resid_mid + mlp_out");
        }
    }

    [Fact]
    public void GptJFeedsOneLayerNormToBothBranches()
    {
        using var lm = LanguageModel.Load(TestPaths.Golden("gptj-tiny"));
        using var scope = torch.NewDisposeScope();
        var a = Capture(lm, out _);
        var block = ((GptJModel)lm.Model).transformer.h[Layer];
        using var noGrad = torch.no_grad();
        Close(block.mlp.forward(block.ln_1.forward(a[HookNames.ResidPre(Layer)])), a[HookNames.MlpOut(Layer)], "mlp_out = mlp(ln_1(resid_pre))");
    }

    [Fact]
    public void NeoXSequentialResidualFeedsTheMlpTheMidBlockResidual()
    {
        string dir = ModelFolders.Rewrite("neox-tiny", "sequential", editConfig: c => c["use_parallel_residual"] = false);
        using var parallelLm = LanguageModel.Load(TestPaths.Golden("neox-tiny"));
        using var sequentialLm = LanguageModel.Load(dir);
        using var scope = torch.NewDisposeScope();
        var p = Capture(parallelLm, out var parallelLogits);
        var s = Capture(sequentialLm, out var sequentialLogits);
        using var noGrad = torch.no_grad();

        var pLayer = ((GptNeoXModel)parallelLm.Model).gpt_neox.layers[Layer];
        Close(pLayer.mlp.forward(pLayer.post_attention_layernorm.forward(p[HookNames.ResidPre(Layer)])), p[HookNames.MlpOut(Layer)],
            "parallel: mlp_out = mlp(ln2(resid_pre))");

        var sLayer = ((GptNeoXModel)sequentialLm.Model).gpt_neox.layers[Layer];
        var mid = s[HookNames.ResidMid(Layer)];
        Close(s[HookNames.ResidPre(Layer)] + s[HookNames.AttnOut(Layer)], mid, "sequential: resid_mid = resid_pre + attn_out");
        Close(sLayer.mlp.forward(sLayer.post_attention_layernorm.forward(mid)), s[HookNames.MlpOut(Layer)], "sequential: mlp_out = mlp(ln2(resid_mid))");
        Close(mid + s[HookNames.MlpOut(Layer)], s[HookNames.ResidPost(Layer)], "sequential: resid_post = resid_mid + mlp_out");

        // same weights: only the wiring differs, and it changes the output
        Assert.True(ModelFolders.MaxDiff(parallelLogits, sequentialLogits) > 1e-3, "use_parallel_residual must matter");
    }

    [Theory]
    [InlineData("gptj-tiny")]
    [InlineData("neox-tiny")]
    [InlineData("llama-tiny")]
    [InlineData("qwen2-tiny")]
    [InlineData("gemma2-tiny")]
    [InlineData("phi3-tiny")]
    public void LreEstimateRunsAndIsFinite(string model)
    {
        using var lm = LanguageModel.Load(TestPaths.Golden(model));
        RelationSample[] samples = [new("France", "Paris"), new("Japan", "Tokyo"), new("Peru", "Lima")];
        using var lre = LreEstimator.Estimate(lm, "country capital city", "The capital city of {} is", samples, LayerRef.At(1), 2.25);
        long d = lm.Model.HiddenSize;
        Assert.Equal([d, d], lre.Weight.shape);
        Assert.Equal([d], lre.Bias.shape);
        Assert.True(lre.Weight.isfinite().all().item<bool>() && lre.Bias.isfinite().all().item<bool>(), "W and b must be finite");
        Assert.True(lre.Weight.abs().max().item<float>() > 0, "W must not vanish at an inner layer");
        Assert.Equal(lm.ModelType, lre.Info.ModelType);
    }
}

/// <summary>Dispose-scope hygiene of the rotary architectures (ForwardPassTests checks GPT-2 at length).</summary>
[Trait(TestCategories.Name, TestCategories.Golden)]
public class RotaryForwardHygieneTests
{
    [Theory]
    [InlineData("gptj-tiny")]
    [InlineData("neox-tiny")]
    [InlineData("llama-tiny")]
    [InlineData("gemma2-tiny")]
    [InlineData("phi3-tiny")]
    public void RepeatedCachedAndPaddedPassesLeaveNoLiveTensors(string model)
    {
        using var lm = LanguageModel.Load(TestPaths.Golden(model));
        using var noGrad = torch.no_grad();
        void OnePass()
        {
            using var scope = torch.NewDisposeScope();
            var ids = ModelFolders.Ids(lm, "The capital city of France is Paris\nThe capital city of Japan is");
            var prefix = lm.Model.Forward(new ForwardInput { InputIds = ids.narrow(1, 0, 4), ReturnCache = true });
            using var cache = prefix.Cache!;
            lm.Model.Forward(new ForwardInput { InputIds = ids.narrow(1, 4, ids.shape[1] - 4), Past = cache });
            var batch = PromptBatch.Create(lm.Tokenizer, ["Paris is", "The capital city of Peru is"]);
            lm.Model.Forward(new ForwardInput { InputIds = batch.InputIds, PaddingMask = batch.PaddingMask, Logits = LogitsAt.Last });
        }
        for (int i = 0; i < 3; i++) OnePass(); // warm-up: lazily created tensors
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 20; i++) OnePass();
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
