using System.Text.Json.Nodes;
using Relens.Models.Decoder;

namespace Relens.Models.Phi3;

/// <summary>
/// Phi-3's config.json (HF Phi3Config): LLaMA's pre-norm block with one fused qkv_proj and one fused gate_up_proj,
/// no biases, RoPE on head_dim · partial_rotary_factor features, and sliding_window (if not null) on every layer as
/// Mistral's. rope_scaling "longrope" (Phi-3's 128k models) changes with the prompt length and is refused.
/// </summary>
public static class Phi3Config
{
    public const string ClassName = "Phi3ForCausalLM";

    public static DecoderSpec Spec(ModelConfig c)
    {
        var (hidden, heads, kvHeads, headDim) = DecoderFields.Attention(c);
        int layers = c.Int("num_hidden_layers");
        var window = DecoderFields.OptionalInt(c, "sliding_window", null);
        return new DecoderSpec
        {
            ClassName = ClassName,
            VocabSize = c.Int("vocab_size"),
            HiddenSize = hidden,
            IntermediateSize = c.Int("intermediate_size"),
            NumLayers = layers,
            NumHeads = heads,
            NumKeyValueHeads = kvHeads,
            HeadDim = headDim,
            Activation = DecoderFields.Activation(c, "hidden_act", "silu"),
            RmsNormEps = c.DoubleOr(1e-5, "rms_norm_eps"),
            Fused = true,
            RopeTheta = DecoderFields.RopeTheta(c, 10000),
            RopeScaling = DecoderFields.RopeScaling(c),
            RotaryDim = DecoderFields.RotaryDim(c, headDim),
            AttentionScale = 1 / Math.Sqrt(headDim),
            SlidingWindows = DecoderFields.Windows(c, Enumerable.Repeat(window is not null, layers).ToArray(), window),
            TieWordEmbeddings = c.BoolOr(false, "tie_word_embeddings"),
        };
    }

    public static JsonObject Template(ModelShape s)
    {
        var json = DecoderFields.Template("phi3", ClassName, s);
        json.Remove("head_dim"); // Phi3Config has no head_dim field
        json["hidden_act"] = "silu";
        json["rms_norm_eps"] = 1e-5;
        json["rope_theta"] = 10000.0;
        json["rope_scaling"] = null;
        json["partial_rotary_factor"] = 1.0;
        json["sliding_window"] = null;
        json["original_max_position_embeddings"] = s.Positions;
        json["tie_word_embeddings"] = false;
        return json;
    }
}
