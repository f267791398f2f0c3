using TorchSharp;

namespace Relens.Models.GptNeoX;

public sealed class GptNeoXArchitecture : IArchitecture
{
    public IReadOnlyList<string> ModelTypes => ["gpt_neox"];

    public TransformerLM Create(ModelConfig config, torch.ScalarType dtype, torch.Device? device = null) =>
        new GptNeoXModel(GptNeoXConfig.From(config), dtype, device);

    public IEnumerable<string> CheckpointKeys(string parameterName) => [parameterName];

    // Causal-mask and rotary buffers that Pythia's published files (and older transformers versions) contain;
    // embed_out.weight is a copy of embed_in when a config ties them.
    public bool IsIgnoredKey(string key) => key.EndsWith(".attention.bias") || key.EndsWith(".attention.masked_bias")
        || key.EndsWith(".attention.rotary_emb.inv_freq") || key == "embed_out.weight";
}
