using Relens.Models;
using Relens.Models.GptNeo;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Lre;

/// <summary>GPT-Neo blocks as tapes: GPT-2's block with nn.Linear q/k/v (no bias), unscaled scores and, in local
/// layers, the windowed mask the model's own attention uses.</summary>
internal sealed class GptNeoJacobianBlocks : IJacobianBlocks
{
    private readonly GptNeoModel _model;
    private readonly Func<Tensor, Tensor> _activation;

    public GptNeoJacobianBlocks(GptNeoModel model)
    {
        _model = model;
        _activation = Activations.Get(model.Config.ActivationFunction, "config.json");
    }

    public IBlockTape[] Record(int layer, Tensor x, AttentionContext ctx, IReadOnlyList<TapeGroup> groups, out Tensor output)
    {
        using var scope = torch.NewDisposeScope();
        var c = _model.Config;
        var block = _model.transformer.h[layer];
        var attn = block.attn.attention;
        long n = x.shape[1];
        var h = block.ln_1.forward(x);
        // below the LRE's layer nothing is taped, and a window of 1 needs only the values (GptNeoSelfAttention.Forward)
        AttentionTape[] attention = [];
        Tensor attended;
        if (groups.Count == 0 && attn.AttendsToSelfOnly(ctx)) attended = attn.v_proj.forward(h);
        else attention = AttentionTape.Record(AttentionKernel.SplitHeads(attn.q_proj.forward(h), c.NumHeads),
            AttentionKernel.SplitHeads(attn.k_proj.forward(h), c.NumHeads), AttentionKernel.SplitHeads(attn.v_proj.forward(h), c.NumHeads),
            attn.Windowed(ctx), layer, 1.0, groups, out attended);
        var mid = x + attn.out_proj.forward(attended);
        var mlp = ActivationTape.Record(_activation, block.mlp.c_fc.forward(block.ln_2.forward(mid)), groups, out var activated);
        output = (mid + block.mlp.c_proj.forward(activated)).MoveToOuterDisposeScope();
        return groups.Select((g, i) => (IBlockTape)new Tape(block,
            NormTape.LayerNorm(g.Suffix(x), block.ln_1.weight, c.LayerNormEpsilon).MoveToOuterDisposeScope(),
            attention[i].MoveToOuterDisposeScope(),
            NormTape.LayerNorm(g.Suffix(mid), block.ln_2.weight, c.LayerNormEpsilon).MoveToOuterDisposeScope(),
            mlp[i].MoveToOuterDisposeScope(), g.Tokens(n))).ToArray();
    }

    private sealed class Tape(GptNeoBlock block, NormTape ln1, AttentionTape attention, NormTape ln2, ActivationTape mlp, long tokens) : IBlockTape
    {
        // Linear weights are [out, in] (y = x·Wᵀ), so an input cotangent is g·W.
        public Tensor Backward(Tensor g)
        {
            using var scope = torch.NewDisposeScope();
            long t = g.shape[1], T = tokens;
            var attn = block.attn.attention;
            var gHidden = mlp.BackwardInPlace(torch.matmul(g, block.mlp.c_proj.Weight()));
            var gMid = ln2.BackwardInPlace(torch.matmul(gHidden, block.mlp.c_fc.Weight())).add_(g);
            // keys and values at all T positions, queries only at the last t (the others carry no cotangent)
            var wqkv = torch.cat([attn.q_proj.Weight(), attn.k_proj.Weight(), attn.v_proj.Weight()], 0); // [3d, d]
            var gLn1 = AttentionTape.ToProjectionInput(attention.Backward(torch.matmul(gMid, attn.out_proj.Weight())), wqkv);
            var gx = ln1.BackwardInPlace(gLn1);
            gx.narrow(1, T - t, t).add_(gMid);
            return gx.MoveToOuterDisposeScope();
        }
    }
}
