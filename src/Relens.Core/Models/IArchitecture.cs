using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Models;

/// <summary>One HF model_type: how to build the module from config.json and how its parameter names
/// map to checkpoint keys. Registered in <see cref="ModelRegistry"/>.</summary>
public interface IArchitecture
{
    /// <summary>config.json "model_type" values this architecture handles.</summary>
    IReadOnlyList<string> ModelTypes { get; }

    TransformerLM Create(ModelConfig config, ScalarType dtype);

    /// <summary>Checkpoint keys that may hold <paramref name="parameterName"/>, most likely first
    /// (e.g. GPT-2 checkpoints exist with and without the "transformer." prefix).</summary>
    IEnumerable<string> CheckpointKeys(string parameterName);

    /// <summary>Checkpoint entries that are not parameters (cached masks, rotary tables) and are skipped.</summary>
    bool IsIgnoredKey(string key);
}
