using System.Diagnostics;
using Relens.Models;
using Relens.Relations;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Tests.Models;

/// <summary>
/// Every parameter Relens builds for a published config (on the meta device: no weights, no memory) against
/// the key list and shapes of the checkpoint those models are published with.
/// </summary>
[Trait(TestCategories.Name, TestCategories.Golden)]
public class ModelStructureTests
{
    public static TheoryData<string> Published => new() { "gpt2-xl", "gpt-j-6b", "pythia-1.4b", "llama-2-7b", "mistral-7b", "llama-13b",
        "qwen2.5-7b", "qwen3-8b", "gemma-2-9b", "phi-3-mini-4k", "olmo-2-7b" };

    [Theory, MemberData(nameof(Published))]
    public void ParametersEqualThePublishedCheckpointKeysAndShapes(string name)
    {
        var published = PublishedModels.Get(name);
        var config = published.ModelConfig();
        var architecture = ModelRegistry.Get(config);
        var clock = Stopwatch.StartNew();
        var parameters = ModelStructure.Parameters(architecture, config);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"building {name} on the meta device took {clock.Elapsed}");

        // each parameter resolves to exactly one published key, through the architecture's own key mapping
        var byKey = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var p in parameters)
        {
            var keys = architecture.CheckpointKeys(p.Name).Where(published.Parameters.ContainsKey).ToList();
            Assert.True(keys.Count == 1, $"{name}: parameter '{p.Name}' matches {keys.Count} published keys");
            byKey.Add(keys[0], p.Shape);
        }
        var missing = published.Parameters.Keys.Except(byKey.Keys).ToList();
        var extra = byKey.Keys.Except(published.Parameters.Keys).ToList();
        Assert.True(missing.Count == 0, $"{name}: Relens has no parameter for {string.Join(", ", missing.Take(5))}");
        Assert.True(extra.Count == 0, $"{name}: Relens expects {string.Join(", ", extra.Take(5))}, which the checkpoint lacks");
        foreach (var (key, shape) in published.Parameters)
            Assert.True(shape.SequenceEqual(byKey[key]), $"{name}: '{key}' is [{string.Join(", ", shape)}] published, [{string.Join(", ", byKey[key])}] in Relens");

        // the buffers in the published files are skipped, never mistaken for parameters
        foreach (var buffer in published.Buffers.Keys)
            Assert.True(architecture.IsIgnoredKey(buffer), $"{name}: published buffer '{buffer}' would be rejected as unexpected");

        if (published.StatedParameterCount is { } stated)
            Assert.Equal(stated, parameters.Sum(p => p.ElementCount));
    }

    [Fact]
    public void MetaBuildAllocatesNoStorage()
    {
        var config = PublishedModels.Get("mistral-7b").ModelConfig();
        using var scope = torch.NewDisposeScope();
        using var model = ModelRegistry.Get(config).Create(config, ScalarType.Float32, torch.META);
        Assert.All(model.parameters(), p => Assert.Equal(DeviceType.META, p.device_type));
    }

    [Theory]
    [InlineData("gpt2-xl", PaperModels.Gpt2Xl)]
    [InlineData("gpt-j-6b", PaperModels.GptJ)]
    [InlineData("llama-13b", PaperModels.Llama)]
    [InlineData("pythia-1.4b", null)]
    [InlineData("llama-2-7b", null)]
    [InlineData("mistral-7b", null)]
    public void PaperModelsAreRecognisedAndTheirHparamsLoad(string name, string? expectedKey)
    {
        var config = PublishedModels.Get(name).ModelConfig();
        using var scope = torch.NewDisposeScope();
        using var model = ModelRegistry.Get(config).Create(config, ScalarType.Float32, torch.META);
        string? key = PaperModels.Recognise(config.ModelType, model.NumLayers, model.HiddenSize);
        Assert.Equal(expectedKey, key);
        if (key is null) return;
        var hparams = PaperHparams.Load(TestPaths.Relations, key, "country capital city");
        Assert.Equal(key, hparams.ModelKey);
        hparams.HLayer.Validate(model);
        hparams.HLayerEdit.Validate(model);
    }

    [Theory]
    [InlineData("gpt2-tiny")]
    [InlineData("gptj-tiny")]
    [InlineData("neox-tiny")]
    [InlineData("llama-tiny")]
    public void TinyModelsAreNotPaperModels(string name)
    {
        using var lm = LanguageModel.Load(TestPaths.Golden(name));
        Assert.Null(PaperModels.Recognise(lm));
    }
}
