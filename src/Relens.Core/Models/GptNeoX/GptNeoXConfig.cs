namespace Relens.Models.GptNeoX;

/// <summary>GPT-NeoX's config.json fields (HF names), with HF's defaults.</summary>
public sealed record GptNeoXConfig
{
    public int VocabSize { get; init; } = 50432;
    public int HiddenSize { get; init; } = 6144;
    public int NumHiddenLayers { get; init; } = 44;
    public int NumAttentionHeads { get; init; } = 64;
    public int IntermediateSize { get; init; } = 24576;
    public string HiddenAct { get; init; } = "gelu";
    /// <summary>Fraction of each head that is rotated.</summary>
    public double RotaryPct { get; init; } = 0.25;
    public double RotaryEmbBase { get; init; } = 10000;
    public RopeScaling? RopeScaling { get; init; }
    public double LayerNormEps { get; init; } = 1e-5;
    /// <summary>x + attn(ln1(x)) + mlp(ln2(x)) when true; the sequential pre-norm block when false.</summary>
    public bool UseParallelResidual { get; init; } = true;
    public bool AttentionBias { get; init; } = true;
    public bool TieWordEmbeddings { get; init; }

    public int HeadSize => HiddenSize / NumAttentionHeads;
    /// <summary>HF: int(head_size * rotary_pct).</summary>
    public int RotaryNdims => (int)(HeadSize * RotaryPct);

    public static GptNeoXConfig From(ModelConfig c)
    {
        var config = new GptNeoXConfig
        {
            VocabSize = c.Int("vocab_size"),
            HiddenSize = c.Int("hidden_size"),
            NumHiddenLayers = c.Int("num_hidden_layers"),
            NumAttentionHeads = c.Int("num_attention_heads"),
            IntermediateSize = c.Int("intermediate_size"),
            HiddenAct = c.StringOr("gelu", "hidden_act")!,
            // later transformers versions renamed these two; both spellings occur in published configs
            RotaryPct = c.DoubleOr(0.25, "rotary_pct", "partial_rotary_factor"),
            RotaryEmbBase = c.DoubleOr(10000, "rotary_emb_base", "rope_theta"),
            RopeScaling = RopeScaling.From(c),
            LayerNormEps = c.DoubleOr(1e-5, "layer_norm_eps"),
            UseParallelResidual = c.BoolOr(true, "use_parallel_residual"),
            AttentionBias = c.BoolOr(true, "attention_bias"),
            TieWordEmbeddings = c.BoolOr(false, "tie_word_embeddings"),
        };
        if (config.HiddenSize % config.NumAttentionHeads != 0)
            throw RelensException.InFile(c.Path, $"hidden_size {config.HiddenSize} is not divisible by num_attention_heads {config.NumAttentionHeads}");
        if (config.RotaryNdims < 2 || config.RotaryNdims % 2 != 0)
            throw RelensException.InFile(c.Path, $"rotary_pct {config.RotaryPct} rotates {config.RotaryNdims} of {config.HeadSize} features per head; Relens needs an even number ≥ 2");
        Activations.Get(config.HiddenAct, c.Path); // refuse an unknown activation naming the file
        return config;
    }
}
