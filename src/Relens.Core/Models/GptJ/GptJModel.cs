using Relens.Models.Hooks;
using Relens.Models.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Relens.Models.GptJ;

/// <summary>
/// GPT-J (HF GPTJForCausalLM): rotary positions on part of each head (rotate_every_two), attention and MLP
/// in parallel from ONE ln_1, untied lm_head with a bias. Field names equal checkpoint keys
/// ("transformer.h.0.attn.q_proj.weight").
/// </summary>
public sealed class GptJModel : TransformerLM
{
    public readonly GptJBody transformer;
    public readonly LinearLayer lm_head;

    public GptJModel(GptJConfig config, ScalarType dtype = ScalarType.Float32, Device? device = null)
        : base("GPTJForCausalLM", config.NLayer, config.NEmbd, config.VocabSize, dtype)
    {
        Config = config;
        transformer = new GptJBody(config, dtype, device);
        lm_head = new LinearLayer(config.NEmbd, config.VocabSize, true, dtype, device);
        RegisterComponents();
    }

    public GptJConfig Config { get; }

    protected override Tensor EmbedTokens(Tensor inputIds) => transformer.wte.forward(inputIds);

    protected override Tensor Block(int layer, Tensor residual, AttentionContext ctx, BlockHooks hooks) =>
        transformer.h[layer].Forward(residual, ctx, hooks);

    protected override Tensor FinalNormCore(Tensor x) => transformer.ln_f.forward(x);

    public override Tensor Unembed(Tensor x) => lm_head.forward(x);

    public override Tensor UnembeddingWeight => lm_head.weight;

    public override IEnumerable<Tensor> DecoderParameters() => [transformer.ln_f.weight, transformer.ln_f.bias, lm_head.weight, lm_head.bias!];
}

/// <summary>HF's GPTJModel: token embedding (no position embedding: rotary), blocks, final norm.</summary>
public sealed class GptJBody : nn.Module
{
    public readonly EmbeddingLayer wte;
    public readonly ModuleList<GptJBlock> h;
    public readonly LayerNormLayer ln_f;

    public GptJBody(GptJConfig c, ScalarType dtype, Device? device) : base("GPTJModel")
    {
        wte = new EmbeddingLayer(c.VocabSize, c.NEmbd, dtype, device);
        var rotary = new RotaryEmbedding(c.RotaryDim ?? c.HeadDim, 10000, RotaryLayout.Interleaved);
        h = new ModuleList<GptJBlock>(Enumerable.Range(0, c.NLayer).Select(l => new GptJBlock(c, l, rotary, dtype, device)).ToArray());
        ln_f = new LayerNormLayer(c.NEmbd, c.LayerNormEpsilon, dtype, device);
        RegisterComponents();
    }
}

/// <summary>Parallel block: x + attn(ln_1(x)) + mlp(ln_1(x)). There is no resid_mid point.</summary>
public sealed class GptJBlock : nn.Module
{
    public readonly LayerNormLayer ln_1;
    public readonly GptJAttention attn;
    public readonly GptJMlp mlp;

    public GptJBlock(GptJConfig c, int layer, RotaryEmbedding rotary, ScalarType dtype, Device? device) : base("GPTJBlock")
    {
        ln_1 = new LayerNormLayer(c.NEmbd, c.LayerNormEpsilon, dtype, device);
        attn = new GptJAttention(c, layer, rotary, dtype, device);
        mlp = new GptJMlp(c, dtype, device);
        RegisterComponents();
    }

    // [B, T, d] → [B, T, d]
    public Tensor Forward(Tensor x, AttentionContext ctx, BlockHooks hooks)
    {
        using var scope = torch.NewDisposeScope();
        var normed = ln_1.forward(x);
        var attnOut = hooks.AttnOut.Run(attn.Forward(normed, ctx));
        var mlpOut = hooks.MlpOut.Run(mlp.forward(normed));
        return (attnOut + mlpOut + x).MoveToOuterDisposeScope(); // HF's order of additions
    }
}

public sealed class GptJAttention : nn.Module
{
    public readonly LinearLayer q_proj;
    public readonly LinearLayer k_proj;
    public readonly LinearLayer v_proj;
    public readonly LinearLayer out_proj;
    private readonly RotaryEmbedding _rotary;
    private readonly int _layer;
    private readonly long _heads;
    private readonly double _scale;

    public GptJAttention(GptJConfig c, int layer, RotaryEmbedding rotary, ScalarType dtype, Device? device) : base("GPTJAttention")
    {
        q_proj = new LinearLayer(c.NEmbd, c.NEmbd, false, dtype, device);
        k_proj = new LinearLayer(c.NEmbd, c.NEmbd, false, dtype, device);
        v_proj = new LinearLayer(c.NEmbd, c.NEmbd, false, dtype, device);
        out_proj = new LinearLayer(c.NEmbd, c.NEmbd, false, dtype, device);
        _rotary = rotary;
        _layer = layer;
        _heads = c.NHead;
        _scale = 1.0 / Math.Sqrt(c.HeadDim);
        RegisterComponents();
    }

    // what the Jacobian tapes (Lre/) mirror
    internal RotaryEmbedding Rotary => _rotary;
    internal double Scale => _scale;

    // [B, T, d] → [B, T, d]
    public Tensor Forward(Tensor x, AttentionContext ctx)
    {
        using var scope = torch.NewDisposeScope();
        var q = AttentionKernel.SplitHeads(q_proj.forward(x), _heads);    // [B, H, T, hd]
        var k = AttentionKernel.SplitHeads(k_proj.forward(x), _heads);
        var v = AttentionKernel.SplitHeads(v_proj.forward(x), _heads);
        // HF keeps GPT-J's rotated q and k in float32 and computes the scores there, whatever the weights' dtype.
        (q, k) = _rotary.Apply(q, k, ctx.PositionIds);
        var heads = AttentionKernel.Attend(q, k, v, ctx, _layer, _scale);  // [B, T, d] in v's dtype
        return out_proj.forward(heads).MoveToOuterDisposeScope();
    }
}

public sealed class GptJMlp : nn.Module<Tensor, Tensor>
{
    public readonly LinearLayer fc_in;
    public readonly LinearLayer fc_out;
    private readonly Func<Tensor, Tensor> _act;

    public GptJMlp(GptJConfig c, ScalarType dtype, Device? device) : base("GPTJMLP")
    {
        fc_in = new LinearLayer(c.NEmbd, c.InnerSize, true, dtype, device);
        fc_out = new LinearLayer(c.InnerSize, c.NEmbd, true, dtype, device);
        _act = Activations.Get(c.ActivationFunction, "config.json"); // validated by GptJConfig.From
        RegisterComponents();
    }

    // [B, T, d] → [B, T, d]
    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        return fc_out.forward(_act(fc_in.forward(x))).MoveToOuterDisposeScope();
    }
}
