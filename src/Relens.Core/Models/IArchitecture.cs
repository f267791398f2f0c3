using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Models;

/// <summary>One HF model_type: how to build the module from config.json and how its parameter names
/// map to checkpoint keys. Registered in <see cref="ModelRegistry"/>.</summary>
public interface IArchitecture
{
    /// <summary>config.json "model_type" values this architecture handles.</summary>
    IReadOnlyList<string> ModelTypes { get; }

    /// <summary>Builds the module with uninitialised parameters of <paramref name="dtype"/> on <paramref name="device"/>
    /// (null = CPU; "meta" gives names and shapes without storage, see <see cref="ModelStructure"/>).</summary>
    TransformerLM Create(ModelConfig config, ScalarType dtype, Device? device = null);

    /// <summary>Checkpoint keys that may hold <paramref name="parameterName"/>, most likely first
    /// (e.g. GPT-2 checkpoints exist with and without the "transformer." prefix).</summary>
    IEnumerable<string> CheckpointKeys(string parameterName);

    /// <summary>Checkpoint entries that are not parameters (cached masks, rotary tables) and are skipped.</summary>
    bool IsIgnoredKey(string key);
}
