using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Lre;

/// <summary>An elementwise activation's VJP: its slope at the recorded pre-activations, shared by all cotangents of a
/// prompt. A tape holds the P prompts of a <see cref="TapeGroup"/>: slopes [P, T, k].</summary>
internal sealed class ActivationTape
{
    private readonly Tensor _slope;

    private ActivationTape(Tensor slope) => _slope = slope;

    /// <summary>Runs <paramref name="activation"/> on <paramref name="u"/> [P, N, k] and records act′ at each group's
    /// suffix positions (one tape per group), taken by autograd from the model's own activation function so every
    /// variant (gelu_new, gelu, silu, relu) is exact.</summary>
    public static ActivationTape[] Record(Func<Tensor, Tensor> activation, Tensor u, IReadOnlyList<TapeGroup> groups, out Tensor output)
    {
        using var scope = torch.NewDisposeScope();
        long n = u.shape[1], k = u.shape[2];
        output = activation(u).MoveToOuterDisposeScope();
        if (groups.Count == 0) return [];
        // slopes of the suffix rows only, in one autograd call over their concatenation
        var rows = torch.cat(groups.Select(g => g.Suffix(u).reshape(-1, k)).ToList(), 0);
        Tensor slope;
        using (torch.enable_grad())
        {
            var leaf = rows.detach().requires_grad_(true);
            var a = activation(leaf);
            slope = torch.autograd.grad([a], [leaf], [torch.ones_like(a)])[0].detach();
        }
        long offset = 0;
        var result = new ActivationTape[groups.Count];
        for (int i = 0; i < groups.Count; i++)
        {
            long count = groups[i].Count * groups[i].Tokens(n);
            result[i] = new ActivationTape(slope.narrow(0, offset, count).view(groups[i].Count, groups[i].Tokens(n), k).MoveToOuterDisposeScope());
            offset += count;
        }
        return result;
    }

    public ActivationTape MoveToOuterDisposeScope()
    {
        _slope.MoveToOuterDisposeScope();
        return this;
    }

    /// <summary>g [P·B, t, k] for the last t positions, scaled in place and returned.</summary>
    public Tensor BackwardInPlace(Tensor g)
    {
        long prompts = _slope.shape[0], T = _slope.shape[1], t = g.shape[1];
        g.view(prompts, -1, t, g.shape[2]).mul_(_slope.narrow(1, T - t, t).unsqueeze(1));
        return g;
    }
}
