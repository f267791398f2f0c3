using Relens.Models.Hooks;
using Relens.Models.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Relens.Models.Decoder;

/// <summary>
/// The rotary decoder the newer HF families share (Qwen2/Qwen3, Gemma/Gemma 2, Phi-3, OLMo 2): RMSNorm, a gated
/// MLP, rotate-half RoPE, grouped-query attention, optional sliding windows and soft-capping, as a
/// <see cref="DecoderSpec"/> says. Field names equal checkpoint keys ("model.layers.0.self_attn.q_proj.weight").
/// </summary>
public sealed class DecoderModel : TransformerLM
{
    public readonly DecoderBody model;
    public readonly LinearLayer? lm_head;

    public DecoderModel(DecoderSpec spec, ScalarType dtype = ScalarType.Float32, Device? device = null)
        : base(spec.ClassName, spec.NumLayers, spec.HiddenSize, spec.VocabSize, dtype)
    {
        Spec = spec;
        model = new DecoderBody(spec, dtype, device);
        if (!spec.TieWordEmbeddings) lm_head = new LinearLayer(spec.HiddenSize, spec.VocabSize, false, dtype, device);
        RegisterComponents();
    }

    public DecoderSpec Spec { get; }

    protected override Tensor EmbedTokens(Tensor inputIds) => model.embed_tokens.forward(inputIds);

    // Gemma multiplies by √d as a tensor of the model's dtype (so BF16 rounds the factor, as HF does);
    // hook_embed stays the plain embedding row, block 0's input (HF hidden_states[0]) is the scaled one.
    public override Tensor ResidualFromEmbedding(Tensor tokenEmbedding, Tensor positionIds) => Spec.ScaleEmbedding
        ? tokenEmbedding * torch.tensor(Math.Sqrt(Spec.HiddenSize), dtype: tokenEmbedding.dtype)
        : tokenEmbedding;

    protected override Tensor Block(int layer, Tensor residual, AttentionContext ctx, BlockHooks hooks) =>
        model.layers[layer].Forward(residual, ctx, hooks);

    protected override Tensor FinalNormCore(Tensor x) => model.norm.forward(x);

    public override Tensor Unembed(Tensor x)
    {
        var logits = nn.functional.linear(x, UnembeddingWeight);
        if (Spec.FinalLogitSoftcap is not { } cap) return logits;
        using var scope = torch.NewDisposeScope();
        return Softcap.Apply(logits, cap).MoveToOuterDisposeScope();
    }

    public override Tensor UnembeddingWeight => lm_head?.weight ?? model.embed_tokens.weight;

    public override IEnumerable<Tensor> DecoderParameters() => [model.norm.weight, UnembeddingWeight];

    // nn.Linear layout [out, in]: out = W·k, so the key indexes the weight's columns. Only where the MLP's output is
    // added to the residual stream as it is: Gemma 2's and OLMo 2's post-norms rescale it, so ROME's v* = W k* + Δh
    // would not move the residual by Δh there (`relens edit` says so and offers `--layer emb`).
    public override MlpProjection? MlpOutputProjection(int layer) => Spec.Layout == BlockLayout.PreNorm
        ? new($"model.layers.{layer}.mlp.down_proj.weight", model.layers[layer].mlp.down_proj.weight, KeysAreRows: false)
        : null;

    public override TokenEmbedding? TokenEmbeddingWeight => new("model.embed_tokens.weight", model.embed_tokens.weight, Tied: lm_head is null);
}

/// <summary>HF's *Model: token embedding, decoder layers, final RMSNorm.</summary>
public sealed class DecoderBody : nn.Module
{
    public readonly EmbeddingLayer embed_tokens;
    public readonly ModuleList<DecoderLayer> layers;
    public readonly RmsNormLayer norm;

    public DecoderBody(DecoderSpec spec, ScalarType dtype, Device? device) : base("DecoderModel")
    {
        embed_tokens = new EmbeddingLayer(spec.VocabSize, spec.HiddenSize, dtype, device);
        var rotary = new RotaryEmbedding(spec.RotaryDim, spec.RopeTheta, RotaryLayout.Halves, spec.RopeScaling);
        layers = new ModuleList<DecoderLayer>(Enumerable.Range(0, spec.NumLayers).Select(l => new DecoderLayer(spec, l, rotary, dtype, device)).ToArray());
        norm = new RmsNormLayer(spec.HiddenSize, spec.RmsNormEps, dtype, device, spec.NormGain);
        RegisterComponents();
    }
}
