namespace Relens.Models.GptJ;

/// <summary>GPT-J's config.json fields (HF names), with HF's defaults.</summary>
public sealed record GptJConfig
{
    public int VocabSize { get; init; } = 50400;
    public int NPositions { get; init; } = 2048;
    public int NEmbd { get; init; } = 4096;
    public int NLayer { get; init; } = 28;
    public int NHead { get; init; } = 16;
    /// <summary>Rotated features per head; null rotates the whole head.</summary>
    public int? RotaryDim { get; init; } = 64;
    public int? NInner { get; init; }
    public string ActivationFunction { get; init; } = "gelu_new";
    public double LayerNormEpsilon { get; init; } = 1e-5;
    public bool TieWordEmbeddings { get; init; }

    public int HeadDim => NEmbd / NHead;
    public int InnerSize => NInner ?? 4 * NEmbd;

    /// <summary>config.json as HF transformers writes it for GPTJForCausalLM.</summary>
    public System.Text.Json.Nodes.JsonObject ToJson() => new()
    {
        ["architectures"] = new System.Text.Json.Nodes.JsonArray("GPTJForCausalLM"),
        ["model_type"] = "gptj",
        ["vocab_size"] = VocabSize,
        ["n_positions"] = NPositions,
        ["n_embd"] = NEmbd,
        ["n_layer"] = NLayer,
        ["n_head"] = NHead,
        ["rotary_dim"] = RotaryDim,
        ["n_inner"] = NInner,
        ["activation_function"] = ActivationFunction,
        ["layer_norm_epsilon"] = LayerNormEpsilon,
        ["tie_word_embeddings"] = TieWordEmbeddings,
        ["bos_token_id"] = 50256,
        ["eos_token_id"] = 50256,
        ["resid_pdrop"] = 0.0, ["embd_pdrop"] = 0.0, ["attn_pdrop"] = 0.0,
        ["initializer_range"] = 0.02,
        ["torch_dtype"] = "float32",
    };

    public static GptJConfig From(ModelConfig c)
    {
        var config = new GptJConfig
        {
            VocabSize = c.Int("vocab_size"),
            NPositions = c.IntOr(2048, "n_positions", "max_position_embeddings"),
            NEmbd = c.Int("n_embd", "hidden_size"),
            NLayer = c.Int("n_layer", "num_hidden_layers"),
            NHead = c.Int("n_head", "num_attention_heads"),
            // absent → HF's default 64; an explicit null → the whole head is rotated
            RotaryDim = c.Json.ContainsKey("rotary_dim") ? (c.Has("rotary_dim") ? c.Int("rotary_dim") : null) : 64,
            NInner = c.Has("n_inner") ? c.Int("n_inner") : null,
            ActivationFunction = c.StringOr("gelu_new", "activation_function")!,
            LayerNormEpsilon = c.DoubleOr(1e-5, "layer_norm_epsilon"),
            TieWordEmbeddings = c.BoolOr(false, "tie_word_embeddings"),
        };
        if (config.NEmbd % config.NHead != 0)
            throw RelensException.InFile(c.Path, $"n_embd {config.NEmbd} is not divisible by n_head {config.NHead}");
        if (config.RotaryDim is { } r && (r <= 0 || r % 2 != 0 || r > config.HeadDim))
            throw RelensException.InFile(c.Path, $"rotary_dim {r} must be even and between 2 and the head dimension {config.HeadDim}");
        Activations.Get(config.ActivationFunction, c.Path); // refuse an unknown activation naming the file
        // HF's GPT-J keeps lm_head.bias even when tied; no published GPT-J ties, so Relens does not model it.
        if (config.TieWordEmbeddings)
            throw RelensException.InFile(c.Path, "tie_word_embeddings true is not supported for gptj (GPT-J's lm_head is untied and has a bias)");
        return config;
    }
}
