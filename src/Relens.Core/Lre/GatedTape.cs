using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Lre;

/// <summary>A gated MLP's hidden activation act(gate) ⊙ up (SwiGLU, GeGLU) and its VJP at the recorded suffix rows.</summary>
internal sealed class GatedTape
{
    private readonly ActivationTape _slope;
    private readonly Tensor _activated, _up; // [P, T, k]: act(gate) and up at the suffix positions of a group's P prompts

    private GatedTape(ActivationTape slope, Tensor activated, Tensor up)
    {
        _slope = slope; _activated = activated; _up = up;
    }

    /// <summary>gate and up [P, N, k] → <paramref name="hidden"/> = act(gate) ⊙ up as the model computes it; a tape of
    /// each group's suffix positions.</summary>
    public static GatedTape[] Record(Func<Tensor, Tensor> activation, Tensor gate, Tensor up, IReadOnlyList<TapeGroup> groups, out Tensor hidden)
    {
        using var scope = torch.NewDisposeScope();
        var slopes = ActivationTape.Record(activation, gate, groups, out var activated);
        hidden = (activated * up).MoveToOuterDisposeScope();
        return groups.Select((g, i) => new GatedTape(slopes[i].MoveToOuterDisposeScope(),
            g.Suffix(activated).clone().MoveToOuterDisposeScope(), g.Suffix(up).clone().MoveToOuterDisposeScope())).ToArray();
    }

    public GatedTape MoveToOuterDisposeScope()
    {
        _slope.MoveToOuterDisposeScope();
        _activated.MoveToOuterDisposeScope();
        _up.MoveToOuterDisposeScope();
        return this;
    }

    /// <summary>g [P·B, t, k] for the last t positions → the gate's and up's cotangents; g is overwritten (it becomes the gate's).</summary>
    public (Tensor Gate, Tensor Up) BackwardInPlace(Tensor g)
    {
        long prompts = _up.shape[0], T = _up.shape[1], t = g.shape[1], k = g.shape[2];
        var g4 = g.view(prompts, -1, t, k);                                             // a view: updates g
        var gUp = (g4 * _activated.narrow(1, T - t, t).unsqueeze(1)).view(g.shape);
        g4.mul_(_up.narrow(1, T - t, t).unsqueeze(1));
        return (_slope.BackwardInPlace(g), gUp);
    }
}
