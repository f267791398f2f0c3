using TorchSharp;

namespace Relens.Models.Gpt2;

public sealed class Gpt2Architecture : IArchitecture
{
    public IReadOnlyList<string> ModelTypes => ["gpt2"];

    public TransformerLM Create(ModelConfig config, torch.ScalarType dtype) =>
        new Gpt2Model(Gpt2Config.From(config), dtype, config.Path);

    // The original OpenAI-converted checkpoints omit the "transformer." prefix; GPT2LMHeadModel saves it.
    public IEnumerable<string> CheckpointKeys(string parameterName) =>
        parameterName.StartsWith("transformer.") ? [parameterName, parameterName["transformer.".Length..]] : [parameterName];

    // attn.bias / attn.masked_bias are causal-mask buffers older transformers versions saved.
    public bool IsIgnoredKey(string key) => key.EndsWith(".attn.bias") || key.EndsWith(".attn.masked_bias")
        || key == "lm_head.weight"; // tied to wte: the same values, stored again by some exporters
}
