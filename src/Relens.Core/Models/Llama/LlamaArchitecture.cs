using TorchSharp;

namespace Relens.Models.Llama;

/// <summary>LLaMA and Mistral: the same module tree and checkpoint keys; Mistral adds a sliding attention window.</summary>
public sealed class LlamaArchitecture : IArchitecture
{
    public IReadOnlyList<string> ModelTypes => ["llama", "mistral"];

    public TransformerLM Create(ModelConfig config, torch.ScalarType dtype, torch.Device? device = null) =>
        new LlamaModel(LlamaConfig.From(config), dtype, device);

    public IEnumerable<string> CheckpointKeys(string parameterName) => [parameterName];

    // Llama-2's published files carry the rotary inv_freq buffers; lm_head.weight is a copy of the
    // embedding when a config ties them.
    public bool IsIgnoredKey(string key) => key.EndsWith(".self_attn.rotary_emb.inv_freq") || key == "lm_head.weight";
}
