using Relens.Models;
using Relens.Models.Decoder;
using Relens.Models.Layers;
using Relens.Models.Llama;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Lre;

/// <summary>What a pre-norm rotary block is made of: m = x + o(attn(rope(q, k), v)(norm₁(x))), out = m + down(act(gate) ⊙ up)(norm₂(m)).</summary>
internal sealed record PreNormRotaryLayer(
    RmsNormLayer InputNorm, RmsNormLayer PostAttentionNorm,
    Func<Tensor, (Tensor Q, Tensor K, Tensor V)> Project, Func<(Tensor Q, Tensor K, Tensor V)> QkvWeights, LinearLayer Output,
    Func<Tensor, (Tensor Gate, Tensor Up)> GateUp, Func<(Tensor Gate, Tensor Up)> GateUpWeights, LinearLayer Down,
    Func<Tensor, Tensor> Activation, RotaryEmbedding Rotary, double Scale, int? Window);

/// <summary>
/// LLaMA/Mistral and the shared decoder's pre-norm families (Qwen 2, Phi-3, Gemma) as tapes: RMSNorm, SwiGLU/GeGLU,
/// grouped-query rotary attention with optional biases and sliding windows, the model's own modules in the forward pass.
/// Scores in the model dtype, as these families compute them.
/// </summary>
internal sealed class PreNormRotaryJacobianBlocks(Func<int, PreNormRotaryLayer> layers, long heads, long kvHeads, double embeddingScale) : IJacobianBlocks
{
    public static PreNormRotaryJacobianBlocks For(LlamaModel m) => new(l =>
    {
        var b = m.model.layers[l];
        var a = b.self_attn;
        return new(b.input_layernorm, b.post_attention_layernorm,
            x => (a.q_proj.forward(x), a.k_proj.forward(x), a.v_proj.forward(x)), () => (a.q_proj.Weight(), a.k_proj.Weight(), a.v_proj.Weight()), a.o_proj,
            x => (b.mlp.gate_proj.forward(x), b.mlp.up_proj.forward(x)), () => (b.mlp.gate_proj.Weight(), b.mlp.up_proj.Weight()), b.mlp.down_proj,
            b.mlp.Activation, a.Rotary, a.Scale, a.Window);
    }, m.Config.NumAttentionHeads, m.Config.NumKeyValueHeads, 1.0);

    /// <summary>The shared decoder's pre-norm layout without q/k norms or score soft-capping; null otherwise
    /// (Gemma 2, Qwen 3 and OLMo 2 keep the replicated path).</summary>
    public static PreNormRotaryJacobianBlocks? For(DecoderModel m)
    {
        var s = m.Spec;
        if (s.Layout != BlockLayout.PreNorm || s.QkNorm != QkNorm.None || s.AttentionSoftcap is not null) return null;
        return new(l =>
        {
            var b = m.model.layers[l];
            var a = b.self_attn;
            return new(b.input_layernorm!, b.post_attention_layernorm, a.Project, a.Weights, a.o_proj,
                b.mlp.Project, b.mlp.Weights, b.mlp.down_proj, b.mlp.Activation, a.Rotary, a.Scale, a.Window);
        }, s.NumHeads, s.NumKeyValueHeads, s.ScaleEmbedding ? Math.Sqrt(s.HiddenSize) : 1.0);
    }

    public IBlockTape[] Record(int layer, Tensor x, AttentionContext ctx, IReadOnlyList<TapeGroup> groups, out Tensor output)
    {
        using var scope = torch.NewDisposeScope();
        var parts = layers(layer);
        long n = x.shape[1];
        var (q, k, v) = parts.Project(parts.InputNorm.forward(x));
        var attentionCtx = parts.Window is { } window ? SlidingWindow.Apply(ctx, window) : ctx;
        var attention = RotaryAttentionTape.Record(parts.Rotary, true, AttentionKernel.SplitHeads(q, heads), AttentionKernel.SplitHeads(k, kvHeads),
            AttentionKernel.SplitHeads(v, kvHeads), attentionCtx, layer, parts.Scale, groups, out var attended);
        var mid = x + parts.Output.forward(attended);
        var (gate, up) = parts.GateUp(parts.PostAttentionNorm.forward(mid));
        var mlp = GatedTape.Record(parts.Activation, gate, up, groups, out var hidden);
        output = (mid + parts.Down.forward(hidden)).MoveToOuterDisposeScope();
        return groups.Select((g, i) => (IBlockTape)new Tape(parts,
            NormTape.RmsNorm(g.Suffix(x), parts.InputNorm.Gain(), parts.InputNorm.Eps).MoveToOuterDisposeScope(),
            attention[i].MoveToOuterDisposeScope(),
            NormTape.RmsNorm(g.Suffix(mid), parts.PostAttentionNorm.Gain(), parts.PostAttentionNorm.Eps).MoveToOuterDisposeScope(),
            mlp[i].MoveToOuterDisposeScope(), g.Tokens(n))).ToArray();
    }

    // Gemma scales the embedding by √d in the model's dtype: its cotangent is scaled the same way.
    public Tensor EmbeddingBackward(Tensor g) => embeddingScale == 1.0 ? g : g * torch.tensor(embeddingScale, dtype: g.dtype);

    private sealed class Tape(PreNormRotaryLayer parts, NormTape norm1, RotaryAttentionTape attention, NormTape norm2, GatedTape mlp, long tokens) : IBlockTape
    {
        // nn.Linear weights are [out, in] (y = x·Wᵀ), so an input cotangent is g·W.
        public Tensor Backward(Tensor g)
        {
            using var scope = torch.NewDisposeScope();
            long t = g.shape[1], T = tokens;
            var (gGate, gUp) = mlp.BackwardInPlace(torch.matmul(g, parts.Down.Weight()));
            var (wGate, wUp) = parts.GateUpWeights();
            var gN2 = torch.matmul(gGate, wGate);
            gN2.view(-1, gN2.shape[2]).addmm_(gUp.view(-1, gUp.shape[2]), wUp);
            var gMid = norm2.BackwardInPlace(gN2).add_(g);
            var (wq, wk, wv) = parts.QkvWeights();
            var gx = norm1.BackwardInPlace(attention.BackwardToInput(torch.matmul(gMid, parts.Output.Weight()), wq, wk, wv));
            gx.narrow(1, T - t, t).add_(gMid);
            return gx.MoveToOuterDisposeScope();
        }
    }
}
