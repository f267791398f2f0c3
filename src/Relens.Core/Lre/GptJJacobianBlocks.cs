using Relens.Models;
using Relens.Models.GptJ;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Lre;

/// <summary>GPT-J blocks as tapes: x + attn(n) + mlp(n) from ONE n = ln_1(x), partial interleaved rotary with the
/// scores in float32, the model's own modules in the forward pass.</summary>
internal sealed class GptJJacobianBlocks(GptJModel model) : IJacobianBlocks
{
    private readonly Func<Tensor, Tensor> _activation = Activations.Get(model.Config.ActivationFunction, "config.json");

    public IBlockTape[] Record(int layer, Tensor x, AttentionContext ctx, IReadOnlyList<TapeGroup> groups, out Tensor output)
    {
        using var scope = torch.NewDisposeScope();
        var block = model.transformer.h[layer];
        var attn = block.attn;
        long n = x.shape[1], heads = model.Config.NHead;
        var normed = block.ln_1.forward(x);
        var attention = RotaryAttentionTape.Record(attn.Rotary, false, AttentionKernel.SplitHeads(attn.q_proj.forward(normed), heads),
            AttentionKernel.SplitHeads(attn.k_proj.forward(normed), heads), AttentionKernel.SplitHeads(attn.v_proj.forward(normed), heads),
            ctx, layer, attn.Scale, groups, out var attended);
        var mlp = ActivationTape.Record(_activation, block.mlp.fc_in.forward(normed), groups, out var activated);
        output = (attn.out_proj.forward(attended) + block.mlp.fc_out.forward(activated) + x).MoveToOuterDisposeScope(); // HF's order
        return groups.Select((g, i) => (IBlockTape)new Tape(block,
            NormTape.LayerNorm(g.Suffix(x), block.ln_1.weight, block.ln_1.Eps).MoveToOuterDisposeScope(),
            attention[i].MoveToOuterDisposeScope(), mlp[i].MoveToOuterDisposeScope(), g.Tokens(n))).ToArray();
    }

    private sealed class Tape(GptJBlock block, NormTape ln1, RotaryAttentionTape attention, ActivationTape mlp, long tokens) : IBlockTape
    {
        // both branches read ln_1's output, so their cotangents meet there before the one norm VJP
        public Tensor Backward(Tensor g)
        {
            using var scope = torch.NewDisposeScope();
            long t = g.shape[1], T = tokens;
            var attn = block.attn;
            var gHidden = mlp.BackwardInPlace(torch.matmul(g, block.mlp.fc_out.Weight()));
            var gNormed = attention.BackwardToInput(torch.matmul(g, attn.out_proj.Weight()), attn.q_proj.Weight(), attn.k_proj.Weight(), attn.v_proj.Weight());
            gNormed.narrow(1, T - t, t).add_(torch.matmul(gHidden, block.mlp.fc_in.Weight()));
            var gx = ln1.BackwardInPlace(gNormed);
            gx.narrow(1, T - t, t).add_(g);
            return gx.MoveToOuterDisposeScope();
        }
    }
}
