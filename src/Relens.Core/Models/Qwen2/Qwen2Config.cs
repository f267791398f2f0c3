using System.Text.Json.Nodes;
using Relens.Models.Decoder;

namespace Relens.Models.Qwen2;

/// <summary>
/// Qwen2 / Qwen2.5's config.json (HF Qwen2Config): LLaMA's block with a bias on q/k/v only (o_proj and the MLP have
/// none). The sliding window is on only with use_sliding_window, and then on the layers layer_types marks
/// "sliding_attention" — or, without layer_types, on layers ≥ max_window_layers (HF's rule).
/// </summary>
public static class Qwen2Config
{
    public const string ClassName = "Qwen2ForCausalLM";

    public static DecoderSpec Spec(ModelConfig c)
    {
        var (hidden, heads, kvHeads, headDim) = DecoderFields.Attention(c);
        int layers = c.Int("num_hidden_layers");
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
            RmsNormEps = c.DoubleOr(1e-6, "rms_norm_eps"),
            QkvBias = true,
            RopeTheta = DecoderFields.RopeTheta(c, 10000),
            RopeScaling = DecoderFields.RopeScaling(c),
            RotaryDim = DecoderFields.RotaryDim(c, headDim),
            AttentionScale = 1 / Math.Sqrt(headDim),
            SlidingWindows = Windows(c, layers),
            TieWordEmbeddings = c.BoolOr(false, "tie_word_embeddings"),
        };
    }

    /// <summary>HF Qwen2Config / Qwen3Config: sliding_window counts only with use_sliding_window (default false,
    /// window 4096); layer_types, or else layers from max_window_layers (default 28) on, are the sliding ones.</summary>
    public static int?[] Windows(ModelConfig c, int layers)
    {
        int? window = c.BoolOr(false, "use_sliding_window") ? DecoderFields.OptionalInt(c, "sliding_window", 4096) : null;
        int fullLayers = c.IntOr(28, "max_window_layers");
        var sliding = DecoderFields.SlidingLayers(c, layers)
            ?? Enumerable.Range(0, layers).Select(i => window is not null && i >= fullLayers).ToArray();
        return DecoderFields.Windows(c, sliding, window);
    }

    public static JsonObject Template(ModelShape s)
    {
        var json = DecoderFields.Template("qwen2", ClassName, s);
        json["hidden_act"] = "silu";
        json["rms_norm_eps"] = 1e-6;
        json["rope_theta"] = 1000000.0;
        json["use_sliding_window"] = false;
        json["sliding_window"] = null;
        json["tie_word_embeddings"] = false;
        return json;
    }
}
