using Relens.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Lre;

/// <summary>
/// A norm's VJP around one row per position: y = γ·x̂ (+β) with x̂ = (x − μ)·r (LayerNorm) or x̂ = x·r
/// (RMSNorm, μ = 0). Then ∂L/∂x = g⊙γr − r·c₁ − x̂r·c₂ with c₁ = mean(g⊙γ) (LayerNorm only) and
/// c₂ = mean(g⊙γ⊙x̂): one skinny matmul for the two means, then three in-place updates of g — every
/// factor depends on the position only, so it is shared by all cotangents of a prompt. A tape holds P prompts
/// (a <see cref="TapeGroup"/>): factors [P, T, …], cotangents [P·B, t, d] prompt-major.
/// </summary>
internal sealed class NormTape
{
    private readonly Tensor _gammaR, _xhatR, _rstd, _means; // [P, T, d], [P, T, d], [P, T, 1], [P, d, 1 + T]
    private readonly bool _centered;

    /// <summary>Tensors are created in the caller's dispose scope (LayerNorm / RmsNorm hand them on once).</summary>
    private NormTape(Tensor xhat, Tensor rstd, Tensor gamma, bool centered)
    {
        _gammaR = gamma * rstd;
        _xhatR = xhat * rstd;
        _rstd = rstd;
        // columns: γ/d, then γ⊙x̂_t/d for each position t, per prompt
        var first = gamma.expand(xhat.shape[0], 1, xhat.shape[2]);
        _means = torch.cat([first, gamma * xhat], 1).transpose(1, 2).div(xhat.shape[2]).contiguous();
        _centered = centered;
    }

    /// <summary>LayerNorm statistics of the rows <paramref name="x"/> [P, T, d] (the output itself comes from the model's module).</summary>
    public static NormTape LayerNorm(Tensor x, Tensor gamma, double eps)
    {
        using var scope = torch.NewDisposeScope();
        var centered = x - x.mean([-1], keepdim: true);
        var rstd = torch.rsqrt(centered.pow(2).mean([-1], keepdim: true) + eps);
        return new NormTape(centered * rstd, rstd, gamma, true).MoveToOuterDisposeScope();
    }

    /// <summary>RMSNorm statistics; like the model (HF), computed in float32 at least and cast back.</summary>
    public static NormTape RmsNorm(Tensor x, Tensor gamma, double eps)
    {
        using var scope = torch.NewDisposeScope();
        var x32 = x.to(AttentionKernel.SoftmaxType(x.dtype));
        var rstd = torch.rsqrt(x32.pow(2).mean([-1], keepdim: true) + eps);
        return new NormTape((x32 * rstd).to(x.dtype), rstd.to(x.dtype), gamma, false).MoveToOuterDisposeScope();
    }

    /// <summary>Hands the recorded factors to the caller's outer dispose scope (see IBlockTape).</summary>
    public NormTape MoveToOuterDisposeScope()
    {
        foreach (var t in new[] { _gammaR, _xhatR, _rstd, _means }) t.MoveToOuterDisposeScope();
        return this;
    }

    /// <summary>g [P·B, t, d] for the last t positions → [P·B, t, d], computed in place: g (contiguous) is overwritten
    /// and returned (callers pass a fresh matmul output; a new tensor per block would cost an allocation the size of g).</summary>
    public Tensor BackwardInPlace(Tensor g)
    {
        using var scope = torch.NewDisposeScope();
        long prompts = _rstd.shape[0], t = g.shape[1], d = g.shape[2], T = _rstd.shape[1], b = g.shape[0] / prompts;
        var means = torch.matmul(g.view(prompts, b * t, d), _means).view(prompts, b, t, 1 + T); // before g changes
        var g4 = g.view(prompts, b, t, d);                                              // a view: updates g
        var rstd = _rstd.narrow(1, T - t, t).unsqueeze(1);                              // [P, 1, t, 1]
        g4.mul_(_gammaR.narrow(1, T - t, t).unsqueeze(1));
        if (_centered) g4.addcmul_(rstd, means.narrow(3, 0, 1), -1.0);
        // position t's own mean c₂ sits in column 1 + (T − t) + t: the diagonal of the last t columns
        var c2 = means.narrow(3, 1 + T - t, t).diagonal(0, 2, 3).unsqueeze(-1);        // [P, B, t, 1]
        g4.addcmul_(_xhatR.narrow(1, T - t, t).unsqueeze(1), c2, -1.0);
        return g;
    }
}
