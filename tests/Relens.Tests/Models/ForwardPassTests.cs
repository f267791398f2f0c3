using Relens.Models;
using Relens.Models.Hooks;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Tests.Models;

/// <summary>Hooks, prefix caching, left-padded batches and dispose-scope hygiene of the forward pass.</summary>
[Trait(TestCategories.Name, TestCategories.Golden)]
public class ForwardPassTests
{
    private const string Prompt = "The capital city of France is Paris\nThe capital city of Japan is";

    public static TheoryData<string> Models => new() { "gpt2-tiny", "gptj-tiny", "neox-tiny", "llama-tiny", "qwen2-tiny", "gemma2-tiny", "phi3-tiny" };

    private static Tensor Ids(LanguageModel lm, string text) =>
        torch.tensor(lm.Tokenizer.Encode(text).Ids.Select(i => (long)i).ToArray(), [1, lm.Tokenizer.Encode(text).Count], ScalarType.Int64);

    private static double MaxDiff(Tensor a, Tensor b) => (a - b).abs().max().item<float>();

    [Theory]
    [MemberData(nameof(Models))]
    public void ReplacingResidPostWithItselfChangesNothing_AddingChangesLogits(string name)
    {
        using var lm = LanguageModel.Load(TestPaths.Golden(name));
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var ids = Ids(lm, Prompt);
        var baseline = lm.Model.Forward(new ForwardInput { InputIds = ids }).Logits!;
        int layer = lm.Model.NumLayers / 2;
        var hook = lm.Model.Hook(HookNames.ResidPost(layer));

        Tensor? seen = null;
        using (hook.Add(act => { seen = act.clone().DetachFromDisposeScope(); return act; }))
            lm.Model.Forward(new ForwardInput { InputIds = ids });
        Assert.NotNull(seen);
        using var seenOwned = seen!;
        long last = ids.shape[1] - 1;
        using (hook.Add(HookEdits.ReplaceAt([last], seen!.select(0, 0).select(0, last))))
        {
            var replaced = lm.Model.Forward(new ForwardInput { InputIds = ids }).Logits!;
            Assert.Equal(0.0, MaxDiff(baseline, replaced));
        }
        // not a constant vector: LayerNorm removes a constant shift exactly
        using (hook.Add(HookEdits.AddAt([last], torch.randn(lm.Model.HiddenSize, generator: new Generator(3)))))
        {
            var added = lm.Model.Forward(new ForwardInput { InputIds = ids }).Logits!;
            Assert.True(MaxDiff(baseline.select(1, last), added.select(1, last)) > 1e-3, "adding a vector at the last position must change its logits");
            Assert.Equal(0.0, MaxDiff(baseline.narrow(1, 0, last), added.narrow(1, 0, last))); // earlier positions can't see it
        }
        // the hook is gone after dispose
        Assert.Equal(0.0, MaxDiff(baseline, lm.Model.Forward(new ForwardInput { InputIds = ids }).Logits!));
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void PrefixCachedRunEqualsFullRun(string name)
    {
        using var lm = LanguageModel.Load(TestPaths.Golden(name));
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var ids = Ids(lm, Prompt);
        long split = ids.shape[1] / 2;
        var full = lm.Model.Forward(new ForwardInput { InputIds = ids }).Logits!;
        var prefix = lm.Model.Forward(new ForwardInput { InputIds = ids.narrow(1, 0, split), ReturnCache = true });
        using var cache = prefix.Cache!;
        Assert.Equal(split, cache.Length);
        var suffix = lm.Model.Forward(new ForwardInput { InputIds = ids.narrow(1, split, ids.shape[1] - split), Past = cache }).Logits!;
        Assert.True(MaxDiff(full.narrow(1, split, ids.shape[1] - split), suffix) <= 1e-5);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void LeftPaddedBatchEqualsUnbatched(string name)
    {
        using var lm = LanguageModel.Load(TestPaths.Golden(name));
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        string[] prompts = ["Paris is", "The capital city of Peru is Lima\nThe capital city of Chile is", "A longer prompt about the weather, which is nice"];
        var batch = PromptBatch.Create(lm.Tokenizer, prompts);
        Assert.True(batch.Padding.Distinct().Count() == 3, "the prompts must have different lengths");
        var batched = lm.Model.Forward(new ForwardInput { InputIds = batch.InputIds, PaddingMask = batch.PaddingMask });
        for (int r = 0; r < prompts.Length; r++)
        {
            var alone = lm.Model.Forward(new ForwardInput { InputIds = Ids(lm, prompts[r]) });
            int n = batch.Encodings[r].Count;
            var rowLogits = batched.Logits!.select(0, r).narrow(0, batch.Padding[r], n);
            Assert.True(MaxDiff(alone.Logits!.select(0, 0), rowLogits) <= 1e-4, $"prompt {r} logits differ");
            var rowZ = batched.LastBlockOutput.select(0, r).narrow(0, batch.Padding[r], n);
            Assert.True(MaxDiff(alone.LastBlockOutput.select(0, 0), rowZ) <= 1e-4, $"prompt {r} hidden states differ");
        }
    }

    [Fact]
    public void RepeatedForwardPassesLeaveNoLiveTensors()
    {
        using var lm = LanguageModel.Load(TestPaths.Golden("gpt2-tiny"));
        using var noGrad = torch.no_grad();
        void OnePass()
        {
            using var scope = torch.NewDisposeScope();
            var ids = Ids(lm, Prompt);
            var prefix = lm.Model.Forward(new ForwardInput { InputIds = ids.narrow(1, 0, 4), ReturnCache = true });
            using var cache = prefix.Cache!;
            lm.Model.Forward(new ForwardInput { InputIds = ids.narrow(1, 4, ids.shape[1] - 4), Past = cache });
        }
        for (int i = 0; i < 5; i++) OnePass(); // warm-up: lazily created tensors (hook dictionaries, etc.)
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 200; i++) OnePass();
        long after = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Assert.Equal(before, after);
    }
}
