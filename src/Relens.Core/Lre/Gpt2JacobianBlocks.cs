using Relens.Models;
using Relens.Models.Gpt2;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Lre;

/// <summary>GPT-2 blocks as tapes: x + attn(ln_1(x)), then + mlp(ln_2(·)), with the model's own modules in the forward pass.</summary>
internal sealed class Gpt2JacobianBlocks : IJacobianBlocks
{
    private readonly Gpt2Model _model;
    private readonly Func<Tensor, Tensor> _activation;

    public Gpt2JacobianBlocks(Gpt2Model model)
    {
        _model = model;
        _activation = Activations.Get(model.Config.ActivationFunction, "config.json");
    }

    public IBlockTape[] Record(int layer, Tensor x, AttentionContext ctx, IReadOnlyList<TapeGroup> groups, out Tensor output)
    {
        using var scope = torch.NewDisposeScope();
        var c = _model.Config;
        var block = _model.transformer.h[layer];
        long n = x.shape[1];
        // the same scale Gpt2Attention uses
        double scale = (c.ScaleAttnWeights ? 1.0 / Math.Sqrt(c.NEmbd / c.NHead) : 1.0) / (c.ScaleAttnByInverseLayerIdx ? layer + 1 : 1);

        var qkv = block.attn.c_attn.forward(block.ln_1.forward(x)).chunk(3, -1);
        var attention = AttentionTape.Record(AttentionKernel.SplitHeads(qkv[0], c.NHead), AttentionKernel.SplitHeads(qkv[1], c.NHead),
            AttentionKernel.SplitHeads(qkv[2], c.NHead), ctx, layer, scale, groups, out var attended);
        var mid = x + block.attn.c_proj.forward(attended);
        var mlp = ActivationTape.Record(_activation, block.mlp.c_fc.forward(block.ln_2.forward(mid)), groups, out var activated);
        output = (mid + block.mlp.c_proj.forward(activated)).MoveToOuterDisposeScope();
        // the tapes' tensors belong to this scope: hand them to the caller's with the output
        return groups.Select((g, i) => (IBlockTape)new Tape(block,
            NormTape.LayerNorm(g.Suffix(x), block.ln_1.weight, c.LayerNormEpsilon).MoveToOuterDisposeScope(),
            attention[i].MoveToOuterDisposeScope(),
            NormTape.LayerNorm(g.Suffix(mid), block.ln_2.weight, c.LayerNormEpsilon).MoveToOuterDisposeScope(),
            mlp[i].MoveToOuterDisposeScope(), g.Tokens(n))).ToArray();
    }

    private sealed class Tape(Gpt2Block block, NormTape ln1, AttentionTape attention, NormTape ln2, ActivationTape mlp, long tokens) : IBlockTape
    {
        // Conv1D weights are [in, out] (y = x·W), so an input cotangent is g·Wᵀ: a transposed view, no copy.
        // A packed (quantised) weight is dequantised here, once per call for all B cotangents, and freed with the scope.
        public Tensor Backward(Tensor g)
        {
            using var scope = torch.NewDisposeScope();
            long t = g.shape[1], T = tokens;
            // MLP branch, only at the t positions that carry a cotangent
            var gHidden = mlp.BackwardInPlace(torch.matmul(g, block.mlp.c_proj.Weight().t()));
            var gMid = ln2.BackwardInPlace(torch.matmul(gHidden, block.mlp.c_fc.Weight().t())).add_(g);
            // attention: queries at those t positions, keys and values at all T; c_attn is [d, 3d] (q | k | v)
            var gLn1 = AttentionTape.ToProjectionInput(attention.Backward(torch.matmul(gMid, block.attn.c_proj.Weight().t())), block.attn.c_attn.Weight().t());
            var gx = ln1.BackwardInPlace(gLn1);
            gx.narrow(1, T - t, t).add_(gMid);
            return gx.MoveToOuterDisposeScope();
        }
    }
}
