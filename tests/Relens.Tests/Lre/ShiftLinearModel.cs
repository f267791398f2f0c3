using Relens.Models;
using Relens.Models.Hooks;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Tests.Lre;

/// <summary>
/// A transformer-shaped model whose path is exactly affine, for closed-form LRE tests. Block k maps
/// x_t ↦ x_t + A_k·x_{t−1} + c_k (a causal "previous token" mix; the previous state comes from the KV cache
/// for the first new token), the final norm is the identity and the unembedding a random matrix.
/// For a prompt ending "… {subject} is" the last token's output depends on the subject's last token only
/// through A: from layer "emb" with two blocks ∂z/∂h = A_1 + A_2; from layer 0 it is A_2.
/// </summary>
public sealed class ShiftLinearModel : TransformerLM
{
    private readonly Tensor _embedding, _unembedding;
    private readonly Tensor[] _a, _c;

    public ShiftLinearModel(int vocab, int dim, int layers, long seed) : base("ShiftLinear", layers, dim, vocab, ScalarType.Float64)
    {
        var g = new Generator((ulong)seed);
        _embedding = torch.randn(vocab, dim, generator: g, dtype: ScalarType.Float64);
        _unembedding = torch.randn(vocab, dim, generator: g, dtype: ScalarType.Float64);
        // well-conditioned, invertible A_k (identity-dominated), so the rank-d edit is exact
        _a = Enumerable.Range(0, layers).Select(_ => torch.eye(dim, dtype: ScalarType.Float64) * 0.5 + torch.randn(dim, dim, generator: g, dtype: ScalarType.Float64) * (0.3 / Math.Sqrt(dim))).ToArray();
        _c = Enumerable.Range(0, layers).Select(_ => torch.randn(dim, generator: g, dtype: ScalarType.Float64)).ToArray();
        Layers = layers; Dim = dim; Vocab = vocab;
    }

    public int Layers { get; }
    public int Dim { get; }
    public int Vocab { get; }
    public Tensor A(int k) => _a[k];
    public Tensor C(int k) => _c[k];

    public override Tensor UnembeddingWeight => _unembedding;

    protected override Tensor EmbedTokens(Tensor inputIds) =>
        _embedding.index_select(0, inputIds.reshape(-1)).view(inputIds.shape[0], inputIds.shape[1], Dim);

    protected override Tensor Block(int layer, Tensor x, AttentionContext ctx, BlockHooks hooks)
    {
        // keep the block's own input as "keys" so a continuation can see the prefix's last state
        var asKv = x.unsqueeze(1);                                              // [B, 1, T, d]
        var all = ctx.Past?.Get(layer) is var (pk, _) ? torch.cat([pk, asKv], 2) : asKv;
        ctx.Present?.Set(layer, all, all);
        long t = x.shape[1], p = all.shape[2] - t;
        var previous = p > 0
            ? all.narrow(2, p - 1, t).squeeze(1)
            : torch.cat([torch.zeros(x.shape[0], 1, Dim, dtype: x.dtype), x.narrow(1, 0, t - 1)], 1);
        var mix = hooks.AttnOut.Run(torch.matmul(previous, _a[layer].t()) + _c[layer]);
        return x + mix;
    }

    protected override Tensor FinalNormCore(Tensor x) => x.clone();
    public override Tensor Unembed(Tensor x) => torch.matmul(x, _unembedding.t());
    public override IEnumerable<Tensor> DecoderParameters() => [_unembedding];
}
