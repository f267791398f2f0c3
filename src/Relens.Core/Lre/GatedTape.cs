using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Lre;

/// <summary>A gated MLP's hidden activation act(gate) ⊙ up (SwiGLU, GeGLU) and its VJP at the recorded suffix rows.</summary>
internal sealed class GatedTape
{
    private readonly ActivationTape _slope;
    private readonly Tensor _activated, _up; // [1, T, k]: act(gate) and up at the suffix positions

    private GatedTape(ActivationTape slope, Tensor activated, Tensor up)
    {
        _slope = slope; _activated = activated; _up = up;
    }

    /// <summary>gate and up [P, N, k] → <paramref name="hidden"/> = act(gate) ⊙ up as the model computes it; per prompt
    /// a tape of positions <paramref name="from"/>[p]..N−1 (null where that is empty).</summary>
    public static GatedTape?[] Record(Func<Tensor, Tensor> activation, Tensor gate, Tensor up, long[] from, out Tensor hidden)
    {
        using var scope = torch.NewDisposeScope();
        long n = gate.shape[1];
        var slopes = ActivationTape.Record(activation, gate, from, out var activated);
        hidden = (activated * up).MoveToOuterDisposeScope();
        return from.Select((f, p) => f == n ? null : new GatedTape(slopes[p]!.MoveToOuterDisposeScope(),
            activated[p].narrow(0, f, n - f).unsqueeze(0).clone().MoveToOuterDisposeScope(),
            up[p].narrow(0, f, n - f).unsqueeze(0).clone().MoveToOuterDisposeScope())).ToArray();
    }

    public GatedTape MoveToOuterDisposeScope()
    {
        _slope.MoveToOuterDisposeScope();
        _activated.MoveToOuterDisposeScope();
        _up.MoveToOuterDisposeScope();
        return this;
    }

    /// <summary>g [B, t, k] for the last t positions → the gate's and up's cotangents; g is overwritten (it becomes the gate's).</summary>
    public (Tensor Gate, Tensor Up) BackwardInPlace(Tensor g)
    {
        long T = _up.shape[1], t = g.shape[1];
        var gUp = g * _activated.narrow(1, T - t, t);
        return (_slope.BackwardInPlace(g.mul_(_up.narrow(1, T - t, t))), gUp);
    }
}
