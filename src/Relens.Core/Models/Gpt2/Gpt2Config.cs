using System.Text.Json.Nodes;

namespace Relens.Models.Gpt2;

/// <summary>GPT-2's config.json fields (HF names), with HF's defaults.</summary>
public sealed record Gpt2Config
{
    public int VocabSize { get; init; } = 50257;
    public int NPositions { get; init; } = 1024;
    public int NEmbd { get; init; } = 768;
    public int NLayer { get; init; } = 12;
    public int NHead { get; init; } = 12;
    public int? NInner { get; init; }
    public double LayerNormEpsilon { get; init; } = 1e-5;
    public string ActivationFunction { get; init; } = "gelu_new";
    public bool ScaleAttnWeights { get; init; } = true;
    public bool ScaleAttnByInverseLayerIdx { get; init; }
    public bool TieWordEmbeddings { get; init; } = true;
    public int BosTokenId { get; init; } = 50256;
    public int EosTokenId { get; init; } = 50256;

    public int InnerSize => NInner ?? 4 * NEmbd;

    public static Gpt2Config From(ModelConfig c) => new()
    {
        VocabSize = c.Int("vocab_size"),
        NPositions = c.IntOr(1024, "n_positions", "max_position_embeddings"),
        NEmbd = c.Int("n_embd", "hidden_size"),
        NLayer = c.Int("n_layer", "num_hidden_layers"),
        NHead = c.Int("n_head", "num_attention_heads"),
        NInner = c.Has("n_inner") ? c.Int("n_inner") : null,
        LayerNormEpsilon = c.DoubleOr(1e-5, "layer_norm_epsilon"),
        ActivationFunction = c.StringOr("gelu_new", "activation_function")!,
        ScaleAttnWeights = c.BoolOr(true, "scale_attn_weights"),
        ScaleAttnByInverseLayerIdx = c.BoolOr(false, "scale_attn_by_inverse_layer_idx"),
        TieWordEmbeddings = c.BoolOr(true, "tie_word_embeddings"),
        BosTokenId = c.IntOr(50256, "bos_token_id"),
        EosTokenId = c.IntOr(50256, "eos_token_id"),
    };

    /// <summary>config.json as HF transformers writes it for GPT2LMHeadModel.</summary>
    public JsonObject ToJson() => new()
    {
        ["architectures"] = new JsonArray("GPT2LMHeadModel"),
        ["model_type"] = "gpt2",
        ["vocab_size"] = VocabSize,
        ["n_positions"] = NPositions,
        ["n_ctx"] = NPositions,
        ["n_embd"] = NEmbd,
        ["n_layer"] = NLayer,
        ["n_head"] = NHead,
        ["n_inner"] = NInner,
        ["layer_norm_epsilon"] = LayerNormEpsilon,
        ["activation_function"] = ActivationFunction,
        ["scale_attn_weights"] = ScaleAttnWeights,
        ["scale_attn_by_inverse_layer_idx"] = ScaleAttnByInverseLayerIdx,
        ["tie_word_embeddings"] = TieWordEmbeddings,
        ["bos_token_id"] = BosTokenId,
        ["eos_token_id"] = EosTokenId,
        ["resid_pdrop"] = 0.0, ["embd_pdrop"] = 0.0, ["attn_pdrop"] = 0.0,
        ["initializer_range"] = 0.02,
        ["torch_dtype"] = "float32",
    };
}
