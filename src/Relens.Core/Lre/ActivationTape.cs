using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Lre;

/// <summary>An elementwise activation's VJP: its slope at the recorded pre-activations, shared by all cotangents.</summary>
internal sealed class ActivationTape
{
    private readonly Tensor _slope;

    private ActivationTape(Tensor slope) => _slope = slope;

    /// <summary>Runs <paramref name="activation"/> on <paramref name="u"/> [P, N, k] and records act′ for each prompt p at
    /// positions <paramref name="from"/>[p]..N−1 (null where that is empty), taken by autograd from the model's own
    /// activation function so every variant (gelu_new, gelu, silu, relu) is exact.</summary>
    public static ActivationTape[] Record(Func<Tensor, Tensor> activation, Tensor u, long[] from, out Tensor output)
    {
        using var scope = torch.NewDisposeScope();
        long n = u.shape[1];
        output = activation(u).MoveToOuterDisposeScope();
        // slopes of the suffix rows only, in one autograd call over their concatenation
        var live = Enumerable.Range(0, from.Length).Where(p => from[p] < n).ToList();
        var result = new ActivationTape[from.Length];
        if (live.Count == 0) return result;
        var rows = torch.cat(live.Select(p => u[p].narrow(0, from[p], n - from[p])).ToList(), 0);
        Tensor slope;
        using (torch.enable_grad())
        {
            var leaf = rows.detach().requires_grad_(true);
            var a = activation(leaf);
            slope = torch.autograd.grad([a], [leaf], [torch.ones_like(a)])[0].detach();
        }
        long offset = 0;
        foreach (int p in live)
        {
            long count = n - from[p];
            result[p] = new ActivationTape(slope.narrow(0, offset, count).unsqueeze(0).MoveToOuterDisposeScope());
            offset += count;
        }
        return result;
    }

    public ActivationTape MoveToOuterDisposeScope()
    {
        _slope.MoveToOuterDisposeScope();
        return this;
    }

    /// <summary>g [B, t, k] for the last t positions, scaled in place and returned.</summary>
    public Tensor BackwardInPlace(Tensor g) => g.mul_(_slope.narrow(1, _slope.shape[1] - g.shape[1], g.shape[1]));
}
