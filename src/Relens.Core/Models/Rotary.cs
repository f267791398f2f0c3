using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Models;

/// <summary>Which features a rotary embedding rotates together as one 2-D pair.</summary>
public enum RotaryLayout
{
    /// <summary>GPT-J's rotate_every_two: features (0,1), (2,3), … form the pairs.</summary>
    Interleaved,
    /// <summary>GPT-NeoX's and LLaMA's rotate_half: features (i, i + r/2) form the pairs.</summary>
    Halves,
}

/// <summary>
/// Rotary position embedding on the first <see cref="RotaryDim"/> features of every head (GPT-J's
/// rotary_dim, NeoX's rotary_pct: partial rotary); the remaining features pass through unchanged.
/// Angles are position × inv_freq formed in float32 exactly as HF forms them (so cos/sin agree
/// bit for bit), and the rotation runs in float32 at least — float64 for float64 models — because
/// half precision cannot resolve large angles.
/// </summary>
public sealed class RotaryEmbedding
{
    private readonly float[] _invFreq;
    private readonly double _positionDivisor;

    /// <param name="rotaryDim">Rotated features per head (even).</param>
    /// <param name="theta">The frequency base (rotary_emb_base / rope_theta; 10000 for GPT-J).</param>
    public RotaryEmbedding(int rotaryDim, double theta, RotaryLayout layout, RopeScaling? scaling = null)
    {
        if (rotaryDim <= 0 || rotaryDim % 2 != 0)
            throw new ArgumentOutOfRangeException(nameof(rotaryDim), rotaryDim, "the rotary dimension must be a positive even number");
        RotaryDim = rotaryDim;
        Layout = layout;
        _positionDivisor = scaling?.PositionDivisor ?? 1;
        using var scope = torch.NewDisposeScope();
        // HF: 1.0 / (base ** (torch.arange(0, dim, 2).float() / dim)), in float32
        var exponent = torch.arange(0, rotaryDim, 2, dtype: ScalarType.Int64).to(ScalarType.Float32) / rotaryDim;
        var invFreq = torch.pow(theta, exponent).reciprocal();
        _invFreq = invFreq.data<float>().ToArray();
        if (scaling is not null)
            for (int i = 0; i < _invFreq.Length; i++) _invFreq[i] = (float)scaling.AdjustInverseFrequency(_invFreq[i]);
    }

    public int RotaryDim { get; }
    public RotaryLayout Layout { get; }

    /// <summary>The inverse frequencies (r/2 of them), for tests and inspection.</summary>
    public IReadOnlyList<float> InverseFrequencies => _invFreq;

    /// <summary>
    /// Rotates queries and keys by their positions. q [B, H, T, hd], k [B, Hkv, T, hd], positionIds [B, T];
    /// returns both in float32 at least (callers that want the model dtype back cast them).
    /// </summary>
    public (Tensor Q, Tensor K) Apply(Tensor q, Tensor k, Tensor positionIds)
    {
        using var scope = torch.NewDisposeScope();
        var type = AttentionKernel.SoftmaxType(q.dtype);
        var (cos, sin) = CosSin(positionIds, type);
        var rq = Rotate(q, cos, sin, type);
        var rk = Rotate(k, cos, sin, type);
        return (rq.MoveToOuterDisposeScope(), rk.MoveToOuterDisposeScope());
    }

    /// <summary>cos and sin [B, 1, T, r] in <paramref name="type"/>, repeated to match the layout's pairs.</summary>
    public (Tensor Cos, Tensor Sin) CosSin(Tensor positionIds, ScalarType type)
    {
        using var scope = torch.NewDisposeScope();
        var positions = positionIds.to(ScalarType.Float32);                                   // [B, T], exact below 2^24
        if (_positionDivisor != 1) positions = positions / _positionDivisor;
        var angles = positions.unsqueeze(-1) * torch.tensor(_invFreq, device: positionIds.device); // [B, T, r/2] float32, as HF
        angles = angles.to(type);
        Tensor cos = angles.cos(), sin = angles.sin();
        (cos, sin) = Layout == RotaryLayout.Interleaved
            ? (cos.repeat_interleave(2, -1), sin.repeat_interleave(2, -1))                     // f0 f0 f1 f1 …
            : (torch.cat([cos, cos], -1), torch.cat([sin, sin], -1));                          // f0 f1 … f0 f1 …
        return (cos.unsqueeze(1).MoveToOuterDisposeScope(), sin.unsqueeze(1).MoveToOuterDisposeScope());
    }

    /// <summary>
    /// The rotation's VJP: a rotation is orthogonal, so the cotangent of the unrotated features is the cotangent
    /// of the rotated ones turned back by the same angles (sin negated). <paramref name="cos"/> and <paramref name="sin"/>
    /// come from <see cref="CosSin"/>, permuted to broadcast against <paramref name="g"/> (any layout whose last
    /// dimension is the head's features); returned in float32 at least.
    /// </summary>
    public Tensor RotateBack(Tensor g, Tensor cos, Tensor sin)
    {
        using var scope = torch.NewDisposeScope();
        return Rotate(g, cos, -sin, AttentionKernel.SoftmaxType(g.dtype)).MoveToOuterDisposeScope();
    }

    // [.., hd] → [.., hd]: x·cos + turn(x)·sin on the first r features, the rest unchanged
    private Tensor Rotate(Tensor x, Tensor cos, Tensor sin, ScalarType type)
    {
        long headDim = x.shape[^1];
        if (RotaryDim > headDim) throw new ArgumentException($"rotary dimension {RotaryDim} exceeds the head dimension {headDim}");
        var rot = x.narrow(-1, 0, RotaryDim).to(type);
        var rotated = rot * cos + Turn(rot) * sin;
        if (RotaryDim == headDim) return rotated;
        return torch.cat([rotated, x.narrow(-1, RotaryDim, headDim - RotaryDim).to(type)], -1);
    }

    // Each pair (a, b) becomes (−b, a): a quarter turn, so x·cos + turn(x)·sin rotates the pair by the angle.
    private Tensor Turn(Tensor x)
    {
        long r = x.shape[^1];
        if (Layout == RotaryLayout.Interleaved)
        {
            var even = x.slice(-1, 0, r, 2);
            var odd = x.slice(-1, 1, r, 2);
            return torch.stack([-odd, even], -1).flatten(-2);                                  // −x1 x0 −x3 x2 …
        }
        long half = r / 2;
        return torch.cat([-x.narrow(-1, half, half), x.narrow(-1, 0, half)], -1);              // −x_hi x_lo
    }
}
