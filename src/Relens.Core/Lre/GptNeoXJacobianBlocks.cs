using Relens.Models;
using Relens.Models.GptNeoX;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Lre;

/// <summary>GPT-NeoX blocks as tapes: fused per-head q|k|v, partial rotate-half rotary with the scores in float32, and
/// either residual: parallel x + attn(ln1(x)) + mlp(ln2(x)), or sequential m = x + attn(ln1(x)), m + mlp(ln2(m)).</summary>
internal sealed class GptNeoXJacobianBlocks(GptNeoXModel model) : IJacobianBlocks
{
    private readonly Func<Tensor, Tensor> _activation = Activations.Get(model.Config.HiddenAct, "config.json");

    public IBlockTape[] Record(int layer, Tensor x, AttentionContext ctx, IReadOnlyList<TapeGroup> groups, out Tensor output)
    {
        using var scope = torch.NewDisposeScope();
        var block = model.gpt_neox.layers[layer];
        var attn = block.attention;
        bool parallel = model.Config.UseParallelResidual;
        long n = x.shape[1];
        var (q, k, v) = attn.Heads(block.input_layernorm.forward(x));
        var attention = RotaryAttentionTape.Record(attn.Rotary, false, q, k, v, ctx, layer, attn.Scale, groups, out var attended);
        var attnOut = attn.dense.forward(attended);
        // the MLP's input: x itself (parallel) or the residual after attention (sequential), with HF's order of additions
        var mlpIn = parallel ? x : attnOut + x;
        var mlp = ActivationTape.Record(_activation, block.mlp.dense_h_to_4h.forward(block.post_attention_layernorm.forward(mlpIn)), groups, out var activated);
        var mlpOut = block.mlp.dense_4h_to_h.forward(activated);
        output = (parallel ? mlpOut + attnOut + x : mlpOut + mlpIn).MoveToOuterDisposeScope();
        return groups.Select((g, i) => (IBlockTape)new Tape(block, parallel,
            NormTape.LayerNorm(g.Suffix(x), block.input_layernorm.weight, block.input_layernorm.Eps).MoveToOuterDisposeScope(),
            attention[i].MoveToOuterDisposeScope(),
            NormTape.LayerNorm(g.Suffix(mlpIn), block.post_attention_layernorm.weight, block.post_attention_layernorm.Eps).MoveToOuterDisposeScope(),
            mlp[i].MoveToOuterDisposeScope(), g.Tokens(n))).ToArray();
    }

    private sealed class Tape(GptNeoXLayer block, bool parallel, NormTape ln1, RotaryAttentionTape attention, NormTape ln2, ActivationTape mlp, long tokens) : IBlockTape
    {
        public Tensor Backward(Tensor g)
        {
            using var scope = torch.NewDisposeScope();
            long t = g.shape[1], T = tokens;
            var gHidden = mlp.BackwardInPlace(torch.matmul(g, block.mlp.dense_4h_to_h.Weight()));
            var gMlpIn = ln2.BackwardInPlace(torch.matmul(gHidden, block.mlp.dense_h_to_4h.Weight()));
            // cotangent of the attention's output: the block's (parallel) or the mid residual's (sequential)
            var gAttnOut = parallel ? g : gMlpIn.add_(g);
            var (wq, wk, wv) = block.attention.Weights();
            var gx = ln1.BackwardInPlace(attention.BackwardToInput(torch.matmul(gAttnOut, block.attention.dense.Weight()), wq, wk, wv));
            var tail = gx.narrow(1, T - t, t);
            tail.add_(gAttnOut);
            if (parallel) tail.add_(gMlpIn);
            return gx.MoveToOuterDisposeScope();
        }
    }
}
