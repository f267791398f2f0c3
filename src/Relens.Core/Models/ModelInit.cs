using Relens.Models.Gpt2;
using Relens.Models.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Models;

/// <summary>
/// Hugging Face-style random initialisation (what <c>from_config</c> gives before training): every weight
/// and embedding normal(0, 0.02), biases zero, norm weights 1 and norm biases 0. Architectures whose HF
/// code scales residual-output projections (GPT-2's c_proj by 1/√(2·n_layer)) have that rule here (StdScales),
/// so `relens model init`, the benchmarks and the trainer all start from the same weights for a seed.
/// </summary>
public static class ModelInit
{
    /// <summary>HF's default <c>initializer_range</c>.</summary>
    public const double InitializerRange = 0.02;

    /// <summary>Per architecture: the std multiplier for a parameter name (1 = plain initializer_range).</summary>
    private static readonly Dictionary<Type, Func<TransformerLM, string, double>> StdScales = new()
    {
        // HF GPT2PreTrainedModel._init_weights: "c_proj.weight" of attention and MLP get 0.02/√(2·n_layer).
        [typeof(Gpt2Model)] = (m, name) => name.EndsWith(".c_proj.weight", StringComparison.Ordinal)
            ? 1.0 / Math.Sqrt(2.0 * ((Gpt2Model)m).Config.NLayer) : 1.0,
    };

    /// <summary>
    /// Fills every parameter of <paramref name="model"/> in place. Deterministic for a seed: one generator
    /// draws the parameters in <c>named_parameters</c> order, always in float32 (then cast), so a float16
    /// and a float32 model of the same seed hold the same values up to rounding.
    /// </summary>
    public static void Initialize(TransformerLM model, long seed, double std = InitializerRange)
    {
        var norms = NormParameterValues(model);
        var scale = StdScales.TryGetValue(model.GetType(), out var rule) ? rule : (_, _) => 1.0;
        using var generator = new Generator(unchecked((ulong)seed), torch.CPU);
        using var noGrad = torch.no_grad();
        foreach (var (name, p) in model.named_parameters())
        {
            using var scope = torch.NewDisposeScope();
            if (norms.TryGetValue(name, out var identity)) p.fill_(identity);
            else if (name.EndsWith("bias", StringComparison.Ordinal)) p.zero_();
            else p.copy_(torch.empty(p.shape, ScalarType.Float32).normal_(0.0, std * scale(model, name), generator));
        }
    }

    /// <summary>Full names of LayerNorm / RMSNorm parameters with the value that makes the norm plain (weight 1 —
    /// or 0 for Gemma's offset gain (1 + w) — and bias 0), never random.</summary>
    private static Dictionary<string, double> NormParameterValues(TransformerLM model)
    {
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (moduleName, module) in model.named_modules())
            if (module is LayerNormLayer or RmsNormLayer)
                foreach (var (paramName, _) in module.named_parameters(recurse: false))
                    values[moduleName.Length == 0 ? paramName : moduleName + "." + paramName] =
                        paramName == "bias" ? 0.0 : module is RmsNormLayer rms ? rms.IdentityWeight : 1.0;
        return values;
    }
}
