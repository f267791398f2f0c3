using Relens.Models.Hooks;
using Relens.Models.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Relens.Models.Llama;

/// <summary>
/// LLaMA / Mistral (HF LlamaForCausalLM, MistralForCausalLM): RMSNorm, SwiGLU MLP, rotary on whole heads
/// (rotate_half), grouped-query attention, optional sliding window, lm_head tied or not. Field names equal
/// checkpoint keys ("model.layers.0.self_attn.q_proj.weight").
/// </summary>
public sealed class LlamaModel : TransformerLM
{
    public readonly LlamaBody model;
    public readonly LinearLayer? lm_head;

    public LlamaModel(LlamaConfig config, ScalarType dtype = ScalarType.Float32, Device? device = null)
        : base(config.ModelType == "mistral" ? "MistralForCausalLM" : "LlamaForCausalLM", config.NumHiddenLayers, config.HiddenSize, config.VocabSize, dtype)
    {
        Config = config;
        model = new LlamaBody(config, dtype, device);
        if (!config.TieWordEmbeddings) lm_head = new LinearLayer(config.HiddenSize, config.VocabSize, false, dtype, device);
        RegisterComponents();
    }

    public LlamaConfig Config { get; }

    protected override Tensor EmbedTokens(Tensor inputIds) => model.embed_tokens.forward(inputIds);

    protected override Tensor Block(int layer, Tensor residual, AttentionContext ctx, BlockHooks hooks) =>
        model.layers[layer].Forward(residual, ctx, hooks);

    protected override Tensor FinalNormCore(Tensor x) => model.norm.forward(x);

    public override Tensor Unembed(Tensor x) => nn.functional.linear(x, UnembeddingWeight);

    public override Tensor UnembeddingWeight => lm_head?.weight ?? model.embed_tokens.weight;

    public override IEnumerable<Tensor> DecoderParameters() => [model.norm.weight, UnembeddingWeight];

    // nn.Linear layout [out, in]: out = W·k, so the key indexes the weight's columns.
    public override MlpProjection? MlpOutputProjection(int layer) =>
        new($"model.layers.{layer}.mlp.down_proj.weight", model.layers[layer].mlp.down_proj.weight, KeysAreRows: false);

    public override TokenEmbedding? TokenEmbeddingWeight => new("model.embed_tokens.weight", model.embed_tokens.weight, Tied: lm_head is null);
}

/// <summary>HF's LlamaModel: token embedding, decoder layers, final RMSNorm.</summary>
public sealed class LlamaBody : nn.Module
{
    public readonly EmbeddingLayer embed_tokens;
    public readonly ModuleList<LlamaDecoderLayer> layers;
    public readonly RmsNormLayer norm;

    public LlamaBody(LlamaConfig c, ScalarType dtype, Device? device) : base("LlamaModel")
    {
        embed_tokens = new EmbeddingLayer(c.VocabSize, c.HiddenSize, dtype, device);
        var rotary = new RotaryEmbedding(c.HeadDim, c.RopeTheta, RotaryLayout.Halves, c.RopeScaling);
        layers = new ModuleList<LlamaDecoderLayer>(Enumerable.Range(0, c.NumHiddenLayers).Select(l => new LlamaDecoderLayer(c, l, rotary, dtype, device)).ToArray());
        norm = new RmsNormLayer(c.HiddenSize, c.RmsNormEps, dtype, device);
        RegisterComponents();
    }
}

/// <summary>Pre-norm block: m = x + attn(norm(x)), then m + mlp(norm(m)).</summary>
public sealed class LlamaDecoderLayer : nn.Module
{
    public readonly RmsNormLayer input_layernorm;
    public readonly LlamaAttention self_attn;
    public readonly RmsNormLayer post_attention_layernorm;
    public readonly LlamaMlp mlp;

    public LlamaDecoderLayer(LlamaConfig c, int layer, RotaryEmbedding rotary, ScalarType dtype, Device? device) : base("LlamaDecoderLayer")
    {
        input_layernorm = new RmsNormLayer(c.HiddenSize, c.RmsNormEps, dtype, device);
        self_attn = new LlamaAttention(c, layer, rotary, dtype, device);
        post_attention_layernorm = new RmsNormLayer(c.HiddenSize, c.RmsNormEps, dtype, device);
        mlp = new LlamaMlp(c, dtype, device);
        RegisterComponents();
    }

    // [B, T, d] → [B, T, d]
    public Tensor Forward(Tensor x, AttentionContext ctx, BlockHooks hooks)
    {
        using var scope = torch.NewDisposeScope();
        var attnOut = hooks.AttnOut.Run(self_attn.Forward(input_layernorm.forward(x), ctx));
        var mid = hooks.ResidMid.Run(x + attnOut);
        var mlpOut = hooks.MlpOut.Run(mlp.Forward(post_attention_layernorm.forward(mid), hooks.MlpPost));
        return (mid + mlpOut).MoveToOuterDisposeScope();
    }
}

public sealed class LlamaAttention : nn.Module
{
    public readonly LinearLayer q_proj;
    public readonly LinearLayer k_proj;
    public readonly LinearLayer v_proj;
    public readonly LinearLayer o_proj;
    private readonly RotaryEmbedding _rotary;
    private readonly int _layer;
    private readonly long _heads;
    private readonly long _kvHeads;
    private readonly double _scale;
    private readonly int? _slidingWindow;

    public LlamaAttention(LlamaConfig c, int layer, RotaryEmbedding rotary, ScalarType dtype, Device? device) : base("LlamaAttention")
    {
        long qWidth = (long)c.NumAttentionHeads * c.HeadDim, kvWidth = (long)c.NumKeyValueHeads * c.HeadDim;
        q_proj = new LinearLayer(c.HiddenSize, qWidth, c.AttentionBias, dtype, device);
        k_proj = new LinearLayer(c.HiddenSize, kvWidth, c.AttentionBias, dtype, device);
        v_proj = new LinearLayer(c.HiddenSize, kvWidth, c.AttentionBias, dtype, device);
        o_proj = new LinearLayer(qWidth, c.HiddenSize, c.AttentionBias, dtype, device);
        _rotary = rotary;
        _layer = layer;
        _heads = c.NumAttentionHeads;
        _kvHeads = c.NumKeyValueHeads;
        _scale = 1.0 / Math.Sqrt(c.HeadDim);
        _slidingWindow = c.SlidingWindow;
        RegisterComponents();
    }

    // what the Jacobian tapes (Lre/) mirror
    internal RotaryEmbedding Rotary => _rotary;
    internal double Scale => _scale;
    internal int? Window => _slidingWindow;

    // [B, T, d] → [B, T, d]
    public Tensor Forward(Tensor x, AttentionContext ctx)
    {
        using var scope = torch.NewDisposeScope();
        var q = AttentionKernel.SplitHeads(q_proj.forward(x), _heads);    // [B, H, T, hd]
        var k = AttentionKernel.SplitHeads(k_proj.forward(x), _kvHeads);  // [B, Hkv, T, hd]
        var v = AttentionKernel.SplitHeads(v_proj.forward(x), _kvHeads);
        var (rq, rk) = _rotary.Apply(q, k, ctx.PositionIds);              // float32 at least
        // unlike GPT-J/NeoX, HF's LLaMA computes the scores in the model's dtype
        q = rq.to(v.dtype);
        k = rk.to(v.dtype);
        if (_slidingWindow is { } window) ctx = SlidingWindow.Apply(ctx, window);
        var heads = AttentionKernel.Attend(q, k, v, ctx, _layer, _scale); // [B, T, H·hd]
        return o_proj.forward(heads).MoveToOuterDisposeScope();
    }
}

/// <summary>SwiGLU: down(act(gate(x)) · up(x)).</summary>
public sealed class LlamaMlp : nn.Module<Tensor, Tensor>
{
    public readonly LinearLayer gate_proj;
    public readonly LinearLayer up_proj;
    public readonly LinearLayer down_proj;
    private readonly Func<Tensor, Tensor> _act;

    public LlamaMlp(LlamaConfig c, ScalarType dtype, Device? device) : base("LlamaMLP")
    {
        gate_proj = new LinearLayer(c.HiddenSize, c.IntermediateSize, c.MlpBias, dtype, device);
        up_proj = new LinearLayer(c.HiddenSize, c.IntermediateSize, c.MlpBias, dtype, device);
        down_proj = new LinearLayer(c.IntermediateSize, c.HiddenSize, c.MlpBias, dtype, device);
        _act = Activations.Get(c.HiddenAct, "config.json"); // validated by LlamaConfig.From
        RegisterComponents();
    }

    // [B, T, d] → [B, T, d]
    public override Tensor forward(Tensor x) => Forward(x, null);

    internal Func<Tensor, Tensor> Activation => _act;

    /// <param name="post">The gated hidden activation's hook (blocks.ℓ.mlp.hook_post), if any.</param>
    public Tensor Forward(Tensor x, HookPoint? post)
    {
        using var scope = torch.NewDisposeScope();
        var hidden = _act(gate_proj.forward(x)) * up_proj.forward(x);
        return down_proj.forward(post is null ? hidden : post.Run(hidden)).MoveToOuterDisposeScope();
    }
}
