using Relens.Models.Hooks;
using Relens.Models.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Relens.Models.Gpt2;

/// <summary>
/// GPT-2 (HF GPT2LMHeadModel). Field names equal checkpoint keys ("transformer.h.0.attn.c_attn.weight"),
/// Conv1D weights stay in HF's [in, out] layout, lm_head is tied to wte unless the config unties it.
/// </summary>
public sealed class Gpt2Model : TransformerLM
{
    public readonly Gpt2Body transformer;
    public readonly LinearLayer? lm_head;

    public Gpt2Model(Gpt2Config config, ScalarType dtype = ScalarType.Float32, string configPath = "config.json", Device? device = null)
        : base("GPT2LMHeadModel", config.NLayer, config.NEmbd, config.VocabSize, dtype)
    {
        Config = config;
        if (config.NEmbd % config.NHead != 0)
            throw RelensException.InFile(configPath, $"n_embd {config.NEmbd} is not divisible by n_head {config.NHead}");
        var act = Activations.Get(config.ActivationFunction, configPath);
        transformer = new Gpt2Body(config, dtype, act, device);
        if (!config.TieWordEmbeddings) lm_head = new LinearLayer(config.NEmbd, config.VocabSize, false, dtype, device);
        RegisterComponents();
    }

    public Gpt2Config Config { get; }

    protected override Tensor EmbedTokens(Tensor inputIds) => transformer.wte.forward(inputIds);

    public override (int Size, string Field)? PositionTable => ((int)transformer.wpe.weight.shape[0], "n_positions");

    public override Tensor ResidualFromEmbedding(Tensor tokenEmbedding, Tensor positionIds) =>
        tokenEmbedding + transformer.wpe.forward(positionIds);

    protected override Tensor Block(int layer, Tensor residual, AttentionContext ctx, BlockHooks hooks) =>
        transformer.h[layer].Forward(residual, ctx, hooks);

    protected override Tensor FinalNormCore(Tensor x) => transformer.ln_f.forward(x);

    public override Tensor Unembed(Tensor x) =>
        lm_head is null ? torch.matmul(x, transformer.wte.weight.t()) : lm_head.forward(x);

    public override Tensor UnembeddingWeight => lm_head?.weight ?? transformer.wte.weight;

    public override IEnumerable<Tensor> DecoderParameters() => [transformer.ln_f.weight, transformer.ln_f.bias, UnembeddingWeight];

    // Conv1D keeps HF's [in, out] layout: out = k·W, so the key indexes the weight's rows.
    public override MlpProjection? MlpOutputProjection(int layer) =>
        new($"transformer.h.{layer}.mlp.c_proj.weight", transformer.h[layer].mlp.c_proj.weight, KeysAreRows: true);

    public override TokenEmbedding? TokenEmbeddingWeight => new("transformer.wte.weight", transformer.wte.weight, Tied: lm_head is null);
}

/// <summary>HF's GPT2Model: embeddings, blocks, final norm.</summary>
public sealed class Gpt2Body : nn.Module
{
    public readonly EmbeddingLayer wte;
    public readonly EmbeddingLayer wpe;
    public readonly ModuleList<Gpt2Block> h;
    public readonly LayerNormLayer ln_f;

    public Gpt2Body(Gpt2Config c, ScalarType dtype, Func<Tensor, Tensor> act, Device? device = null) : base("GPT2Model")
    {
        wte = new EmbeddingLayer(c.VocabSize, c.NEmbd, dtype, device);
        wpe = new EmbeddingLayer(c.NPositions, c.NEmbd, dtype, device);
        h = new ModuleList<Gpt2Block>(Enumerable.Range(0, c.NLayer).Select(l => new Gpt2Block(c, l, dtype, act, device)).ToArray());
        ln_f = new LayerNormLayer(c.NEmbd, c.LayerNormEpsilon, dtype, device);
        RegisterComponents();
    }
}

/// <summary>Pre-norm block: x + attn(ln_1(x)), then + mlp(ln_2(·)).</summary>
public sealed class Gpt2Block : nn.Module
{
    public readonly LayerNormLayer ln_1;
    public readonly Gpt2Attention attn;
    public readonly LayerNormLayer ln_2;
    public readonly Gpt2Mlp mlp;

    public Gpt2Block(Gpt2Config c, int layer, ScalarType dtype, Func<Tensor, Tensor> act, Device? device = null) : base("GPT2Block")
    {
        ln_1 = new LayerNormLayer(c.NEmbd, c.LayerNormEpsilon, dtype, device);
        attn = new Gpt2Attention(c, layer, dtype, device);
        ln_2 = new LayerNormLayer(c.NEmbd, c.LayerNormEpsilon, dtype, device);
        mlp = new Gpt2Mlp(c, dtype, act, device);
        RegisterComponents();
    }

    // [B, T, d] → [B, T, d]
    public Tensor Forward(Tensor x, AttentionContext ctx, BlockHooks hooks)
    {
        using var scope = torch.NewDisposeScope();
        var attnOut = hooks.AttnOut.Run(attn.Forward(ln_1.forward(x), ctx));
        var mid = hooks.ResidMid.Run(x + attnOut);
        var mlpOut = hooks.MlpOut.Run(mlp.Forward(ln_2.forward(mid), hooks.MlpPost));
        return (mid + mlpOut).MoveToOuterDisposeScope();
    }
}

public sealed class Gpt2Attention : nn.Module
{
    public readonly Conv1D c_attn;
    public readonly Conv1D c_proj;
    private readonly int _layer;
    private readonly long _heads;
    private readonly double _scale;

    public Gpt2Attention(Gpt2Config c, int layer, ScalarType dtype, Device? device = null) : base("GPT2Attention")
    {
        c_attn = new Conv1D(c.NEmbd, 3 * c.NEmbd, dtype, device);
        c_proj = new Conv1D(c.NEmbd, c.NEmbd, dtype, device);
        _layer = layer;
        _heads = c.NHead;
        double headDim = c.NEmbd / c.NHead;
        _scale = (c.ScaleAttnWeights ? 1.0 / Math.Sqrt(headDim) : 1.0) / (c.ScaleAttnByInverseLayerIdx ? layer + 1 : 1);
        RegisterComponents();
    }

    // [B, T, d] → [B, T, d]
    public Tensor Forward(Tensor x, AttentionContext ctx)
    {
        using var scope = torch.NewDisposeScope();
        var qkv = c_attn.forward(x).chunk(3, -1);                        // 3 × [B, T, d]
        var q = AttentionKernel.SplitHeads(qkv[0], _heads);
        var k = AttentionKernel.SplitHeads(qkv[1], _heads);
        var v = AttentionKernel.SplitHeads(qkv[2], _heads);
        var heads = AttentionKernel.Attend(q, k, v, ctx, _layer, _scale); // [B, T, d]
        return c_proj.forward(heads).MoveToOuterDisposeScope();
    }
}

public sealed class Gpt2Mlp : nn.Module<Tensor, Tensor>
{
    public readonly Conv1D c_fc;
    public readonly Conv1D c_proj;
    private readonly Func<Tensor, Tensor> _act;

    public Gpt2Mlp(Gpt2Config c, ScalarType dtype, Func<Tensor, Tensor> act, Device? device = null) : base("GPT2MLP")
    {
        c_fc = new Conv1D(c.NEmbd, c.InnerSize, dtype, device);
        c_proj = new Conv1D(c.InnerSize, c.NEmbd, dtype, device);
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
