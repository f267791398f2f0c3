using TorchSharp;

namespace Relens.Models.GptJ;

public sealed class GptJArchitecture : IArchitecture
{
    public IReadOnlyList<string> ModelTypes => ["gptj"];

    public TransformerLM Create(ModelConfig config, torch.ScalarType dtype, torch.Device? device = null) =>
        new GptJModel(GptJConfig.From(config), dtype, device);

    public IEnumerable<string> CheckpointKeys(string parameterName) => [parameterName];

    // Causal-mask buffers that GPT-J-6B's published files (and older transformers versions) contain.
    public bool IsIgnoredKey(string key) => key.EndsWith(".attn.bias") || key.EndsWith(".attn.masked_bias");
}
