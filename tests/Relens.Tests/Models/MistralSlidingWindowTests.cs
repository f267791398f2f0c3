using Relens.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Tests.Models;

/// <summary>
/// model_type "mistral" on the llama-tiny weights: the same model as LLaMA while the prompt fits the sliding
/// window; past it, a query no longer sees keys ≥ window columns back (HF 4.35's mask).
/// </summary>
[Trait(TestCategories.Name, TestCategories.Golden)]
public class MistralSlidingWindowTests
{
    private const string Prompt = "The capital city of France is Paris\nThe capital city of Japan is";

    private static string AsMistral(int? window) => ModelFolders.Rewrite("llama-tiny", $"mistral-{window}", editConfig: c =>
    {
        c["model_type"] = "mistral";
        c["architectures"] = new System.Text.Json.Nodes.JsonArray("MistralForCausalLM");
        c["sliding_window"] = window;
    });

    [Fact]
    public void WindowLongerThanThePromptChangesNothing()
    {
        using var llama = LanguageModel.Load(TestPaths.Golden("llama-tiny"));
        using var mistral = LanguageModel.Load(AsMistral(4096));
        using var unlimited = LanguageModel.Load(AsMistral(null));
        using var scope = torch.NewDisposeScope();
        var expected = ModelFolders.Logits(llama, Prompt);
        Assert.Equal(0.0, ModelFolders.MaxDiff(expected, ModelFolders.Logits(mistral, Prompt)));
        Assert.Equal(0.0, ModelFolders.MaxDiff(expected, ModelFolders.Logits(unlimited, Prompt)));
    }

    [Fact]
    public void ShortWindowHidesDistantTokensAndTheCacheAgrees()
    {
        const int window = 4;
        using var llama = LanguageModel.Load(TestPaths.Golden("llama-tiny"));
        using var mistral = LanguageModel.Load(AsMistral(window));
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var full = ModelFolders.Logits(llama, Prompt);
        var windowed = ModelFolders.Logits(mistral, Prompt);
        long t = full.shape[1];
        Assert.True(t > 2 * window);
        // a query at column < window sees everything it would anyway
        Assert.True(ModelFolders.MaxDiff(full.narrow(1, 0, window), windowed.narrow(1, 0, window)) < 1e-6);
        Assert.True(ModelFolders.MaxDiff(full.narrow(1, window, t - window), windowed.narrow(1, window, t - window)) > 1e-3);

        // the one-token window: each position attends to itself only, so changing an earlier token changes nothing later
        using var self = LanguageModel.Load(AsMistral(1));
        var ids = ModelFolders.Ids(self, Prompt);
        var edited = ids.clone();
        edited[0, 2] = ids[0, 3];
        var a = self.Model.Forward(new ForwardInput { InputIds = ids }).Logits!;
        var b = self.Model.Forward(new ForwardInput { InputIds = edited }).Logits!;
        Assert.Equal(0.0, ModelFolders.MaxDiff(a.narrow(1, 3, t - 3), b.narrow(1, 3, t - 3)));

        // a prefix-cached run applies the window across the cache boundary
        var split = t / 2;
        var prefix = mistral.Model.Forward(new ForwardInput { InputIds = ModelFolders.Ids(mistral, Prompt).narrow(1, 0, split), ReturnCache = true });
        using var cache = prefix.Cache!;
        var suffix = mistral.Model.Forward(new ForwardInput { InputIds = ModelFolders.Ids(mistral, Prompt).narrow(1, split, t - split), Past = cache }).Logits!;
        Assert.True(ModelFolders.MaxDiff(windowed.narrow(1, split, t - split), suffix) < 1e-5);
    }
}
