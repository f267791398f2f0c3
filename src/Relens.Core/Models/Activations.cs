using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Models;

/// <summary>HF activation names (config "activation_function" / "hidden_act") → functions.</summary>
public static class Activations
{
    public static Func<Tensor, Tensor> Get(string name, string configPath) => name switch
    {
        // HF's "gelu_new"/"gelu_fast"/"gelu_pytorch_tanh" are the tanh approximation
        "gelu_new" or "gelu_fast" or "gelu_pytorch_tanh" => x => nn.functional.gelu(x, TorchSharp.Modules.GELU.Approximate.tanh),
        "gelu" => x => nn.functional.gelu(x),
        "relu" => x => nn.functional.relu(x),
        "silu" or "swish" => x => nn.functional.silu(x),
        _ => throw RelensException.InFile(configPath, $"unsupported activation function '{name}' (supported: {Supported})"),
    };

    private const string Supported = "gelu_new, gelu_fast, gelu_pytorch_tanh, gelu, relu, silu";

    /// <summary>Refuses an unknown activation with a message naming the config field that holds it.</summary>
    public static void Validate(string name, string configPath, string field)
    {
        try { Get(name, configPath); }
        catch (RelensException) { throw RelensException.InFile(configPath, $"\"{field}\" '{name}' is not a supported activation function (supported: {Supported})"); }
    }
}
