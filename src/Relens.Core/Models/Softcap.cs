using static TorchSharp.torch;

namespace Relens.Models;

/// <summary>Gemma 2's logit soft-capping: s → c·tanh(s/c), smooth, monotonic, bounded by ±c.</summary>
public static class Softcap
{
    public static Tensor Apply(Tensor scores, double cap) => (scores / cap).tanh() * cap;
}
