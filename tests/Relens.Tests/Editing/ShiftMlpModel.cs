using Relens.Models;
using Relens.Models.Hooks;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Tests.Editing;

/// <summary>
/// <see cref="Lre.ShiftLinearModel"/> with an MLP in block 0: block k maps x_t ↦ m_t + [k = 0]·W_out·tanh(W_in·m_t)
/// with m_t = x_t + A_k·x_{t−1} + c_k (x_{t−1} the previous real token: unlike ShiftLinearModel it skips left padding,
/// so batches of prompts of different lengths give each prompt's own result). Block 1 is affine, so from layer 0 to z the path is exactly affine
/// (∂z/∂h = A_1 for a subject followed by one token), while the key k = tanh(W_in·m) is not a linear function of anything.
/// </summary>
public sealed class ShiftMlpModel : TransformerLM
{
    private readonly Tensor _embedding, _unembedding, _wIn, _wOut;
    private readonly Tensor[] _a, _c;

    public ShiftMlpModel(int vocab, int dim, int hidden, long seed) : base("ShiftMlp", 2, dim, vocab, ScalarType.Float64)
    {
        var g = new Generator((ulong)seed);
        _embedding = torch.randn(vocab, dim, generator: g, dtype: ScalarType.Float64);
        _unembedding = torch.randn(vocab, dim, generator: g, dtype: ScalarType.Float64);
        _a = Enumerable.Range(0, 2).Select(_ => torch.eye(dim, dtype: ScalarType.Float64) * 0.5 + torch.randn(dim, dim, generator: g, dtype: ScalarType.Float64) * (0.3 / Math.Sqrt(dim))).ToArray();
        _c = Enumerable.Range(0, 2).Select(_ => torch.randn(dim, generator: g, dtype: ScalarType.Float64)).ToArray();
        _wIn = torch.randn(hidden, dim, generator: g, dtype: ScalarType.Float64) / Math.Sqrt(dim);
        _wOut = torch.randn(dim, hidden, generator: g, dtype: ScalarType.Float64) / Math.Sqrt(hidden);
        Dim = dim; Vocab = vocab;
    }

    public int Dim { get; }
    public int Vocab { get; }
    public Tensor MlpOut => _wOut;

    public override Tensor UnembeddingWeight => _unembedding;
    public override MlpProjection? MlpOutputProjection(int layer) => layer == 0 ? new("mlp_out", _wOut, KeysAreRows: false) : null;

    protected override Tensor EmbedTokens(Tensor inputIds) =>
        _embedding.index_select(0, inputIds.reshape(-1)).view(inputIds.shape[0], inputIds.shape[1], Dim);

    protected override Tensor Block(int layer, Tensor x, AttentionContext ctx, BlockHooks hooks)
    {
        var asKv = x.unsqueeze(1);
        var all = ctx.Past?.Get(layer) is var (pk, _) ? torch.cat([pk, asKv], 2) : asKv;
        ctx.Present?.Set(layer, all, all);
        long t = x.shape[1], p = all.shape[2] - t;
        // the previous REAL token (left padding and a cached prefix skipped), read off the attention mask
        var allowed = ctx.Mask.squeeze(1).eq(0);                                          // [B, T, P+T]
        var keyIndex = torch.arange(p + t, dtype: ScalarType.Int64).view(1, 1, -1);
        var queryIndex = (torch.arange(t, dtype: ScalarType.Int64) + p).view(1, -1, 1);
        var best = torch.where(allowed & (keyIndex < queryIndex), keyIndex + 1, torch.zeros_like(keyIndex)).max(-1).values; // 0 = none
        var gathered = all.squeeze(1).gather(1, (best - 1).clamp_min(0).unsqueeze(-1).expand(-1, -1, Dim));
        var previous = gathered * (best > 0).unsqueeze(-1).to(x.dtype);
        var mid = x + torch.matmul(previous, _a[layer].t()) + _c[layer];
        if (layer != 0) return mid;
        var key = hooks.MlpPost.Run(torch.tanh(torch.matmul(mid, _wIn.t())));
        return mid + hooks.MlpOut.Run(torch.matmul(key, _wOut.t()));
    }

    protected override Tensor FinalNormCore(Tensor x) => x.clone();
    public override Tensor Unembed(Tensor x) => torch.matmul(x, _unembedding.t());
    public override IEnumerable<Tensor> DecoderParameters() => [_unembedding];
}
