using Relens.Models.Hooks;
using Relens.Models.Layers;
using Relens.Models.Llama;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Relens.Models.GptNeo;

/// <summary>
/// GPT-Neo (HF GPTNeoForCausalLM): GPT-2's block (learned positions, LayerNorm, GELU MLP, tied lm_head) with
/// nn.Linear layers, q/k/v without bias, attention scores NOT scaled by 1/√head_dim, and per-layer global or
/// local (sliding-window) attention. Field names equal checkpoint keys ("transformer.h.0.attn.attention.q_proj.weight").
/// </summary>
public sealed class GptNeoModel : TransformerLM
{
    public readonly GptNeoBody transformer;
    public readonly LinearLayer? lm_head;

    public GptNeoModel(GptNeoConfig config, ScalarType dtype = ScalarType.Float32, Device? device = null)
        : base("GPTNeoForCausalLM", config.NumLayers, config.HiddenSize, config.VocabSize, dtype)
    {
        Config = config;
        var act = Activations.Get(config.ActivationFunction, "config.json"); // validated by GptNeoConfig.From
        transformer = new GptNeoBody(config, dtype, act, device);
        if (!config.TieWordEmbeddings) lm_head = new LinearLayer(config.HiddenSize, config.VocabSize, false, dtype, device);
        RegisterComponents();
    }

    public GptNeoConfig Config { get; }

    protected override Tensor EmbedTokens(Tensor inputIds) => transformer.wte.forward(inputIds);

    public override (int Size, string Field)? PositionTable => ((int)transformer.wpe.weight.shape[0], "max_position_embeddings");

    public override Tensor ResidualFromEmbedding(Tensor tokenEmbedding, Tensor positionIds) =>
        tokenEmbedding + transformer.wpe.forward(positionIds);

    protected override Tensor Block(int layer, Tensor residual, AttentionContext ctx, BlockHooks hooks) =>
        transformer.h[layer].Forward(residual, ctx, hooks);

    protected override Tensor FinalNormCore(Tensor x) => transformer.ln_f.forward(x);

    public override Tensor Unembed(Tensor x) => nn.functional.linear(x, UnembeddingWeight);

    public override Tensor UnembeddingWeight => lm_head?.weight ?? transformer.wte.weight;

    public override IEnumerable<Tensor> DecoderParameters() => [transformer.ln_f.weight, transformer.ln_f.bias, UnembeddingWeight];

    // nn.Linear layout [out, in]: out = W·k, so the key indexes the weight's columns.
    public override MlpProjection? MlpOutputProjection(int layer) =>
        new($"transformer.h.{layer}.mlp.c_proj.weight", transformer.h[layer].mlp.c_proj.weight, KeysAreRows: false);

    public override TokenEmbedding? TokenEmbeddingWeight => new("transformer.wte.weight", transformer.wte.weight, Tied: lm_head is null);
}

/// <summary>HF's GPTNeoModel: embeddings, blocks, final norm.</summary>
public sealed class GptNeoBody : nn.Module
{
    public readonly EmbeddingLayer wte;
    public readonly EmbeddingLayer wpe;
    public readonly ModuleList<GptNeoBlock> h;
    public readonly LayerNormLayer ln_f;

    public GptNeoBody(GptNeoConfig c, ScalarType dtype, Func<Tensor, Tensor> act, Device? device = null) : base("GPTNeoModel")
    {
        wte = new EmbeddingLayer(c.VocabSize, c.HiddenSize, dtype, device);
        wpe = new EmbeddingLayer(c.MaxPositionEmbeddings, c.HiddenSize, dtype, device);
        h = new ModuleList<GptNeoBlock>(Enumerable.Range(0, c.NumLayers).Select(l => new GptNeoBlock(c, l, dtype, act, device)).ToArray());
        ln_f = new LayerNormLayer(c.HiddenSize, c.LayerNormEpsilon, dtype, device);
        RegisterComponents();
    }
}

/// <summary>Pre-norm block: x + attn(ln_1(x)), then + mlp(ln_2(·)).</summary>
public sealed class GptNeoBlock : nn.Module
{
    public readonly LayerNormLayer ln_1;
    public readonly GptNeoAttention attn;
    public readonly LayerNormLayer ln_2;
    public readonly GptNeoMlp mlp;

    public GptNeoBlock(GptNeoConfig c, int layer, ScalarType dtype, Func<Tensor, Tensor> act, Device? device = null) : base("GPTNeoBlock")
    {
        ln_1 = new LayerNormLayer(c.HiddenSize, c.LayerNormEpsilon, dtype, device);
        attn = new GptNeoAttention(c, layer, dtype, device);
        ln_2 = new LayerNormLayer(c.HiddenSize, c.LayerNormEpsilon, dtype, device);
        mlp = new GptNeoMlp(c, dtype, act, device);
        RegisterComponents();
    }

    // [B, T, d] → [B, T, d]
    public Tensor Forward(Tensor x, AttentionContext ctx, BlockHooks hooks)
    {
        using var scope = torch.NewDisposeScope();
        var attnOut = hooks.AttnOut.Run(attn.attention.Forward(ln_1.forward(x), ctx));
        var mid = hooks.ResidMid.Run(x + attnOut);
        var mlpOut = hooks.MlpOut.Run(mlp.Forward(ln_2.forward(mid), hooks.MlpPost));
        return (mid + mlpOut).MoveToOuterDisposeScope();
    }
}

/// <summary>HF's GPTNeoAttention: a holder whose one child is named "attention" (the checkpoint keys say attn.attention.*).</summary>
public sealed class GptNeoAttention : nn.Module
{
    public readonly GptNeoSelfAttention attention;

    public GptNeoAttention(GptNeoConfig c, int layer, ScalarType dtype, Device? device = null) : base("GPTNeoAttention")
    {
        attention = new GptNeoSelfAttention(c, layer, dtype, device);
        RegisterComponents();
    }
}

public sealed class GptNeoSelfAttention : nn.Module
{
    public readonly LinearLayer k_proj;
    public readonly LinearLayer v_proj;
    public readonly LinearLayer q_proj;
    public readonly LinearLayer out_proj;
    private readonly int _layer;
    private readonly long _heads;

    public GptNeoSelfAttention(GptNeoConfig c, int layer, ScalarType dtype, Device? device = null) : base("GPTNeoSelfAttention")
    {
        k_proj = new LinearLayer(c.HiddenSize, c.HiddenSize, false, dtype, device);
        v_proj = new LinearLayer(c.HiddenSize, c.HiddenSize, false, dtype, device);
        q_proj = new LinearLayer(c.HiddenSize, c.HiddenSize, false, dtype, device);
        out_proj = new LinearLayer(c.HiddenSize, c.HiddenSize, true, dtype, device);
        _layer = layer;
        _heads = c.NumHeads;
        Window = c.WindowOf(layer);
        RegisterComponents();
    }

    /// <summary>The local window of this layer, or null when it attends globally.</summary>
    public int? Window { get; }

    /// <summary>The context this layer attends with: the causal/padding mask, narrowed to the window if local.
    /// Mistral's sliding window has the same rule (query column i sees key column j iff i − window &lt; j ≤ i).</summary>
    public AttentionContext Windowed(AttentionContext ctx) => Window is { } w ? SlidingWindow.Apply(ctx, w) : ctx;

    /// <summary>
    /// True when every query sees only its own key (a window of 1, as in the default world's early blocks), so the
    /// attention output is exactly the token's own value: the softmax of one finite score among masked ones is exactly
    /// 1 and 0s. Then the scores, the window's mask and the q and k projections can be skipped. (A padding query, whose
    /// own key is masked too, also gets its own value, which the scored path need not give; no real token reads it.) Not with a KV cache
    /// (its keys must still be stored) or a score edit (attention knockout must see the scores).
    /// </summary>
    public bool AttendsToSelfOnly(AttentionContext ctx) => Window == 1 && ctx.Past is null && ctx.Present is null && ctx.ScoreEdit is null;

    // [B, T, d] → [B, T, d]
    public Tensor Forward(Tensor x, AttentionContext ctx)
    {
        using var scope = torch.NewDisposeScope();
        if (AttendsToSelfOnly(ctx)) return out_proj.forward(v_proj.forward(x)).MoveToOuterDisposeScope();
        var q = AttentionKernel.SplitHeads(q_proj.forward(x), _heads);     // [B, H, T, hd]
        var k = AttentionKernel.SplitHeads(k_proj.forward(x), _heads);
        var v = AttentionKernel.SplitHeads(v_proj.forward(x), _heads);
        // HF's GPT-Neo does not scale the scores by 1/√head_dim
        var heads = AttentionKernel.Attend(q, k, v, Windowed(ctx), _layer, 1.0); // [B, T, d]
        return out_proj.forward(heads).MoveToOuterDisposeScope();
    }
}

public sealed class GptNeoMlp : nn.Module<Tensor, Tensor>
{
    public readonly LinearLayer c_fc;
    public readonly LinearLayer c_proj;
    private readonly Func<Tensor, Tensor> _act;

    public GptNeoMlp(GptNeoConfig c, ScalarType dtype, Func<Tensor, Tensor> act, Device? device = null) : base("GPTNeoMLP")
    {
        c_fc = new LinearLayer(c.HiddenSize, c.InnerSize, true, dtype, device);
        c_proj = new LinearLayer(c.InnerSize, c.HiddenSize, true, dtype, device);
        _act = act;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => Forward(x, null);

    /// <param name="post">The hidden activation's hook (blocks.ℓ.mlp.hook_post), if any.</param>
    public Tensor Forward(Tensor x, HookPoint? post)
    {
        using var scope = torch.NewDisposeScope();
        var hidden = _act(c_fc.forward(x));
        return c_proj.forward(post is null ? hidden : post.Run(hidden)).MoveToOuterDisposeScope();
    }
}
