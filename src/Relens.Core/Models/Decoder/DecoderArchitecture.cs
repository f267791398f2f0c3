using TorchSharp;

namespace Relens.Models.Decoder;

/// <summary>A family built on <see cref="DecoderModel"/>: its model_type(s) and the config reader that makes its spec.
/// Checkpoint keys are the parameter names; a tied config's lm_head.weight copy and rotary inv_freq tables are skipped.</summary>
public abstract class DecoderArchitecture(IReadOnlyList<string> modelTypes, Func<ModelConfig, DecoderSpec> spec) : IArchitecture
{
    public IReadOnlyList<string> ModelTypes => modelTypes;

    /// <summary>The spec a config gives (validated), without building anything.</summary>
    public DecoderSpec Spec(ModelConfig config) => spec(config);

    public TransformerLM Create(ModelConfig config, torch.ScalarType dtype, torch.Device? device = null) =>
        new DecoderModel(spec(config), dtype, device);

    public IEnumerable<string> CheckpointKeys(string parameterName) => [parameterName];

    public bool IsIgnoredKey(string key) => key.EndsWith(".rotary_emb.inv_freq", StringComparison.Ordinal) || key == "lm_head.weight";
}
