using System.Text.Json.Nodes;
using Relens.Models;
using Relens.Models.Layers;
using Relens.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Tests.Models;

/// <summary>
/// Small models of the rotary decoder families that have no golden checkpoint (Qwen3, OLMo 2, Gemma) or in settings
/// the goldens do not cover: `relens model init`'s config for the family, edited, with every parameter drawn at a
/// scale where each feature matters (weights N(0, 1/fan_in), biases 0.1·N, norm gains identity + 0.1·N — so q/k
/// norms and Gemma's (1 + w) change the output), and llama-tiny's tokenizer (vocabulary 32000, BOS).
/// </summary>
internal static class FamilyModels
{
    public static LanguageModel Random(string arch, Action<JsonObject>? edit = null, ScalarType dtype = ScalarType.Float32,
        int layers = 3, int dim = 32, int heads = 4, long seed = 11)
    {
        var json = JsonNode.Parse(ModelTemplates.Config(arch, new ModelShape(layers, dim, heads, 32000, 512)).Json.ToJsonString())!.AsObject();
        edit?.Invoke(json);
        // through text, as a config.json is read (in-code JSON numbers keep their C# type)
        var config = ModelConfig.FromJson(JsonNode.Parse(json.ToJsonString())!.AsObject(), $"{arch}-random/config.json");
        var model = ModelRegistry.Get(config).Create(config, dtype);
        Randomize(model, seed);
        var tokenizer = TokenizerLoader.FromDirectory(TestPaths.Golden("llama-tiny"));
        return new LanguageModel(model, tokenizer, config, $"{arch}-random");
    }

    private static void Randomize(TransformerLM model, long seed)
    {
        var normWeights = model.named_modules().Where(m => m.module is RmsNormLayer)
            .ToDictionary(m => m.name + ".weight", m => ((RmsNormLayer)m.module).IdentityWeight);
        using var generator = new Generator(unchecked((ulong)seed), torch.CPU);
        using var noGrad = torch.no_grad();
        foreach (var (name, p) in model.named_parameters())
        {
            using var scope = torch.NewDisposeScope();
            var noise = torch.empty(p.shape, ScalarType.Float64).normal_(0.0, 1.0, generator);
            if (normWeights.TryGetValue(name, out var identity)) p.copy_(identity + 0.1 * noise);
            else if (name.EndsWith(".bias", StringComparison.Ordinal)) p.copy_(0.1 * noise);
            else if (name.EndsWith("embed_tokens.weight", StringComparison.Ordinal)) p.copy_(noise);
            else p.copy_(noise / Math.Sqrt(p.shape[1]));
        }
    }
}
