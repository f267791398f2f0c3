using Relens.Models.Hooks;
using Relens.Models.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Relens.Models.GptNeoX;

/// <summary>
/// GPT-NeoX / Pythia (HF GPTNeoXForCausalLM): fused query_key_value laid out per head as (q, k, v), rotary on
/// rotary_pct of each head (rotate_half), parallel or sequential residual, untied embed_out unless the config
/// ties it. Field names equal checkpoint keys ("gpt_neox.layers.0.attention.query_key_value.weight").
/// </summary>
public sealed class GptNeoXModel : TransformerLM
{
    public readonly GptNeoXBody gpt_neox;
    public readonly LinearLayer? embed_out;

    public GptNeoXModel(GptNeoXConfig config, ScalarType dtype = ScalarType.Float32, Device? device = null)
        : base("GPTNeoXForCausalLM", config.NumHiddenLayers, config.HiddenSize, config.VocabSize, dtype)
    {
        Config = config;
        gpt_neox = new GptNeoXBody(config, dtype, device);
        if (!config.TieWordEmbeddings) embed_out = new LinearLayer(config.HiddenSize, config.VocabSize, false, dtype, device);
        RegisterComponents();
    }

    public GptNeoXConfig Config { get; }

    protected override Tensor EmbedTokens(Tensor inputIds) => gpt_neox.embed_in.forward(inputIds);

    protected override Tensor Block(int layer, Tensor residual, AttentionContext ctx, BlockHooks hooks) =>
        gpt_neox.layers[layer].Forward(residual, ctx, hooks);

    protected override Tensor FinalNormCore(Tensor x) => gpt_neox.final_layer_norm.forward(x);

    public override Tensor Unembed(Tensor x) => nn.functional.linear(x, UnembeddingWeight);

    public override Tensor UnembeddingWeight => embed_out?.weight ?? gpt_neox.embed_in.weight;

    public override IEnumerable<Tensor> DecoderParameters() =>
        [gpt_neox.final_layer_norm.weight, gpt_neox.final_layer_norm.bias, UnembeddingWeight];
}

/// <summary>HF's GPTNeoXModel: token embedding (rotary positions, none added here), layers, final norm.</summary>
public sealed class GptNeoXBody : nn.Module
{
    public readonly EmbeddingLayer embed_in;
    public readonly ModuleList<GptNeoXLayer> layers;
    public readonly LayerNormLayer final_layer_norm;

    public GptNeoXBody(GptNeoXConfig c, ScalarType dtype, Device? device) : base("GPTNeoXModel")
    {
        embed_in = new EmbeddingLayer(c.VocabSize, c.HiddenSize, dtype, device);
        var rotary = new RotaryEmbedding(c.RotaryNdims, c.RotaryEmbBase, RotaryLayout.Halves, c.RopeScaling);
        layers = new ModuleList<GptNeoXLayer>(Enumerable.Range(0, c.NumHiddenLayers).Select(l => new GptNeoXLayer(c, l, rotary, dtype, device)).ToArray());
        final_layer_norm = new LayerNormLayer(c.HiddenSize, c.LayerNormEps, dtype, device);
        RegisterComponents();
    }
}

/// <summary>Parallel: x + attn(ln1(x)) + mlp(ln2(x)) (no resid_mid). Sequential: m = x + attn(ln1(x)); m + mlp(ln2(m)).</summary>
public sealed class GptNeoXLayer : nn.Module
{
    public readonly LayerNormLayer input_layernorm;
    public readonly LayerNormLayer post_attention_layernorm;
    public readonly GptNeoXAttention attention;
    public readonly GptNeoXMlp mlp;
    private readonly bool _parallel;

    public GptNeoXLayer(GptNeoXConfig c, int layer, RotaryEmbedding rotary, ScalarType dtype, Device? device) : base("GPTNeoXLayer")
    {
        input_layernorm = new LayerNormLayer(c.HiddenSize, c.LayerNormEps, dtype, device);
        post_attention_layernorm = new LayerNormLayer(c.HiddenSize, c.LayerNormEps, dtype, device);
        attention = new GptNeoXAttention(c, layer, rotary, dtype, device);
        mlp = new GptNeoXMlp(c, dtype, device);
        _parallel = c.UseParallelResidual;
        RegisterComponents();
    }

    // [B, T, d] → [B, T, d], with HF's order of additions
    public Tensor Forward(Tensor x, AttentionContext ctx, BlockHooks hooks)
    {
        using var scope = torch.NewDisposeScope();
        var attnOut = hooks.AttnOut.Run(attention.Forward(input_layernorm.forward(x), ctx));
        if (_parallel)
        {
            var mlpOut = hooks.MlpOut.Run(mlp.forward(post_attention_layernorm.forward(x)));
            return (mlpOut + attnOut + x).MoveToOuterDisposeScope();
        }
        var mid = hooks.ResidMid.Run(attnOut + x);
        var seqMlpOut = hooks.MlpOut.Run(mlp.forward(post_attention_layernorm.forward(mid)));
        return (seqMlpOut + mid).MoveToOuterDisposeScope();
    }
}

public sealed class GptNeoXAttention : nn.Module
{
    public readonly LinearLayer query_key_value;
    public readonly LinearLayer dense;
    private readonly RotaryEmbedding _rotary;
    private readonly int _layer;
    private readonly long _heads;
    private readonly long _headSize;
    private readonly double _scale;

    public GptNeoXAttention(GptNeoXConfig c, int layer, RotaryEmbedding rotary, ScalarType dtype, Device? device) : base("GPTNeoXAttention")
    {
        query_key_value = new LinearLayer(c.HiddenSize, 3 * c.HiddenSize, c.AttentionBias, dtype, device);
        dense = new LinearLayer(c.HiddenSize, c.HiddenSize, c.AttentionBias, dtype, device);
        _rotary = rotary;
        _layer = layer;
        _heads = c.NumAttentionHeads;
        _headSize = c.HeadSize;
        _scale = Math.Pow(c.HeadSize, -0.5); // HF's norm_factor
        RegisterComponents();
    }

    // what the Jacobian tapes (Lre/) mirror
    internal RotaryEmbedding Rotary => _rotary;
    internal double Scale => _scale;

    /// <summary>q, k, v [B, H, T, hd] of <paramref name="x"/> [B, T, d] (views of the fused projection), before rotary.</summary>
    internal (Tensor Q, Tensor K, Tensor V) Heads(Tensor x)
    {
        long b = x.shape[0], t = x.shape[1];
        // the fused projection is laid out head by head: [heads × (q, k, v) × head_size]
        var qkv = query_key_value.forward(x).view(b, t, _heads, 3 * _headSize);     // [B, T, H, 3·hd]
        return (qkv.narrow(-1, 0, _headSize).permute(0, 2, 1, 3),                    // [B, H, T, hd]
            qkv.narrow(-1, _headSize, _headSize).permute(0, 2, 1, 3),
            qkv.narrow(-1, 2 * _headSize, _headSize).permute(0, 2, 1, 3));
    }

    /// <summary>The q, k and v rows of query_key_value, each [d, d] (copies: the fused rows interleave per head).</summary>
    internal (Tensor Q, Tensor K, Tensor V) Weights()
    {
        long d = _heads * _headSize;
        var w = query_key_value.Weight().view(_heads, 3, _headSize, -1);
        return (w.select(1, 0).reshape(d, -1), w.select(1, 1).reshape(d, -1), w.select(1, 2).reshape(d, -1));
    }

    // [B, T, d] → [B, T, d]
    public Tensor Forward(Tensor x, AttentionContext ctx)
    {
        using var scope = torch.NewDisposeScope();
        var (q, k, v) = Heads(x);
        // HF's NeoX rotary tables are float32, so q and k stay float32 into the scores, whatever the weights' dtype.
        (q, k) = _rotary.Apply(q, k, ctx.PositionIds);
        var heads = AttentionKernel.Attend(q, k, v, ctx, _layer, _scale);           // [B, T, d] in v's dtype
        return dense.forward(heads).MoveToOuterDisposeScope();
    }
}

public sealed class GptNeoXMlp : nn.Module<Tensor, Tensor>
{
    public readonly LinearLayer dense_h_to_4h;
    public readonly LinearLayer dense_4h_to_h;
    private readonly Func<Tensor, Tensor> _act;

    public GptNeoXMlp(GptNeoXConfig c, ScalarType dtype, Device? device) : base("GPTNeoXMLP")
    {
        dense_h_to_4h = new LinearLayer(c.HiddenSize, c.IntermediateSize, true, dtype, device);
        dense_4h_to_h = new LinearLayer(c.IntermediateSize, c.HiddenSize, true, dtype, device);
        _act = Activations.Get(c.HiddenAct, "config.json"); // validated by GptNeoXConfig.From
        RegisterComponents();
    }

    // [B, T, d] → [B, T, d]
    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        return dense_4h_to_h.forward(_act(dense_h_to_4h.forward(x))).MoveToOuterDisposeScope();
    }
}
