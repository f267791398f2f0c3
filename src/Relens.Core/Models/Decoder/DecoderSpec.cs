using Relens.Models.Layers;

namespace Relens.Models.Decoder;

/// <summary>Where a block's norms sit around its attention and MLP.</summary>
public enum BlockLayout
{
    /// <summary>LLaMA, Qwen, Phi-3, Gemma: m = x + attn(input_layernorm(x)); out = m + mlp(post_attention_layernorm(m)).</summary>
    PreNorm,
    /// <summary>Gemma 2: m = x + post_attention_layernorm(attn(input_layernorm(x)));
    /// out = m + post_feedforward_layernorm(mlp(pre_feedforward_layernorm(m))).</summary>
    Sandwich,
    /// <summary>OLMo 2: no input norms; m = x + post_attention_layernorm(attn(x)); out = m + post_feedforward_layernorm(mlp(m)).</summary>
    PostNorm,
}

/// <summary>Which RMSNorm the queries and keys get before RoPE.</summary>
public enum QkNorm
{
    None,
    /// <summary>Qwen 3: q_norm / k_norm of width head_dim, on every head separately.</summary>
    PerHead,
    /// <summary>OLMo 2: q_norm over the whole q projection (heads·head_dim), k_norm over the whole k projection.</summary>
    WholeProjection,
}

/// <summary>
/// Everything the shared rotary decoder (<see cref="DecoderModel"/>) needs, read from an architecture's
/// config.json by its config class (Qwen2Config, Gemma2Config, …), which owns the HF field names and defaults.
/// </summary>
public sealed record DecoderSpec
{
    /// <summary>HF's class name (Qwen2ForCausalLM, …), the module's name.</summary>
    public required string ClassName { get; init; }
    public required int VocabSize { get; init; }
    public required int HiddenSize { get; init; }
    public required int IntermediateSize { get; init; }
    public required int NumLayers { get; init; }
    public required int NumHeads { get; init; }
    public required int NumKeyValueHeads { get; init; }
    public required int HeadDim { get; init; }
    public required string Activation { get; init; }
    public required double RmsNormEps { get; init; }
    public RmsNormGain NormGain { get; init; } = RmsNormGain.Weight;
    public BlockLayout Layout { get; init; } = BlockLayout.PreNorm;
    public QkNorm QkNorm { get; init; } = QkNorm.None;
    /// <summary>Bias on the q, k and v projections.</summary>
    public bool QkvBias { get; init; }
    /// <summary>Bias on o_proj.</summary>
    public bool OutputBias { get; init; }
    public bool MlpBias { get; init; }
    /// <summary>Phi-3: one qkv_proj [q | k | v] and one gate_up_proj [gate | up] instead of separate projections.</summary>
    public bool Fused { get; init; }
    public required double RopeTheta { get; init; }
    public RopeScaling? RopeScaling { get; init; }
    /// <summary>Rotated features per head (head_dim · partial_rotary_factor).</summary>
    public required int RotaryDim { get; init; }
    /// <summary>The attention scores' multiplier (head_dim^-½, or Gemma 2's query_pre_attn_scalar^-½).</summary>
    public required double AttentionScale { get; init; }
    public double? AttentionSoftcap { get; init; }
    public double? FinalLogitSoftcap { get; init; }
    /// <summary>Gemma: the token embedding is multiplied by √hidden_size (in the model's dtype) before block 0.</summary>
    public bool ScaleEmbedding { get; init; }
    /// <summary>Per layer: the sliding window (keys a query sees, itself included) or null for global attention.</summary>
    public required IReadOnlyList<int?> SlidingWindows { get; init; }
    public bool TieWordEmbeddings { get; init; }
}
