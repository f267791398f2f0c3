namespace Relens.Models.Llama;

/// <summary>LLaMA's and Mistral's config.json fields (HF names), with HF's defaults.</summary>
public sealed record LlamaConfig
{
    public string ModelType { get; init; } = "llama";
    public int VocabSize { get; init; } = 32000;
    public int HiddenSize { get; init; } = 4096;
    public int IntermediateSize { get; init; } = 11008;
    public int NumHiddenLayers { get; init; } = 32;
    public int NumAttentionHeads { get; init; } = 32;
    /// <summary>Grouped-query attention: each KV head serves NumAttentionHeads / NumKeyValueHeads query heads.</summary>
    public int NumKeyValueHeads { get; init; } = 32;
    /// <summary>Per-head width; HF's default hidden_size / num_attention_heads, explicit in some newer configs.</summary>
    public int HeadDim { get; init; } = 128;
    public string HiddenAct { get; init; } = "silu";
    public double RmsNormEps { get; init; } = 1e-6;
    public double RopeTheta { get; init; } = 10000;
    public RopeScaling? RopeScaling { get; init; }
    public bool AttentionBias { get; init; }
    public bool MlpBias { get; init; }
    public bool TieWordEmbeddings { get; init; }
    /// <summary>Mistral: a query sees at most this many keys (itself included); null = unlimited.</summary>
    public int? SlidingWindow { get; init; }

    public static LlamaConfig From(ModelConfig c)
    {
        int hidden = c.Int("hidden_size"), heads = c.Int("num_attention_heads");
        bool mistral = c.ModelType == "mistral";
        var config = new LlamaConfig
        {
            ModelType = c.ModelType,
            VocabSize = c.Int("vocab_size"),
            HiddenSize = hidden,
            IntermediateSize = c.Int("intermediate_size"),
            NumHiddenLayers = c.Int("num_hidden_layers"),
            NumAttentionHeads = heads,
            NumKeyValueHeads = c.IntOr(heads, "num_key_value_heads"),
            HeadDim = c.IntOr(hidden / heads, "head_dim"),
            HiddenAct = c.StringOr("silu", "hidden_act")!,
            RmsNormEps = c.DoubleOr(1e-6, "rms_norm_eps"),
            RopeTheta = c.DoubleOr(10000, "rope_theta"),
            RopeScaling = RopeScaling.From(c),
            AttentionBias = c.BoolOr(false, "attention_bias"),
            MlpBias = c.BoolOr(false, "mlp_bias"),
            TieWordEmbeddings = c.BoolOr(false, "tie_word_embeddings"),
            // MistralConfig defaults to a 4096 window when the key is absent; an explicit null disables it
            SlidingWindow = !mistral ? null : c.Json.ContainsKey("sliding_window") ? (c.Has("sliding_window") ? c.Int("sliding_window") : null) : 4096,
        };
        if (!c.Has("head_dim") && hidden % heads != 0)
            throw RelensException.InFile(c.Path, $"hidden_size {hidden} is not divisible by num_attention_heads {heads}");
        if (config.NumKeyValueHeads <= 0 || heads % config.NumKeyValueHeads != 0)
            throw RelensException.InFile(c.Path, $"num_attention_heads {heads} is not a multiple of num_key_value_heads {config.NumKeyValueHeads}");
        if (config.HeadDim % 2 != 0)
            throw RelensException.InFile(c.Path, $"head dimension {config.HeadDim} must be even for rotary position embeddings");
        if (config.SlidingWindow is <= 0)
            throw RelensException.InFile(c.Path, $"sliding_window must be positive or null, found {config.SlidingWindow}");
        Activations.Get(config.HiddenAct, c.Path); // refuse an unknown activation naming the file
        return config;
    }
}
