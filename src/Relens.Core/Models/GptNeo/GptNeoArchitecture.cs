using TorchSharp;

namespace Relens.Models.GptNeo;

public sealed class GptNeoArchitecture : IArchitecture
{
    public IReadOnlyList<string> ModelTypes => ["gpt_neo"];

    public TransformerLM Create(ModelConfig config, torch.ScalarType dtype, torch.Device? device = null) =>
        new GptNeoModel(GptNeoConfig.From(config), dtype, device);

    public IEnumerable<string> CheckpointKeys(string parameterName) =>
        parameterName.StartsWith("transformer.") ? [parameterName, parameterName["transformer.".Length..]] : [parameterName];

    // attn.attention.bias / masked_bias are the causal/local mask buffers older transformers versions saved;
    // lm_head.weight is tied to wte.
    public bool IsIgnoredKey(string key) => key.EndsWith(".attn.attention.bias") || key.EndsWith(".attn.attention.masked_bias")
        || key == "lm_head.weight";
}
