using System.Text.Json.Nodes;
using Relens.Models.Decoder;
using Relens.Models.Qwen2;

namespace Relens.Models.Qwen3;

/// <summary>
/// Qwen3's config.json (HF Qwen3Config): Qwen2's block without the q/k/v bias (attention_bias, default false, puts
/// one on q, k, v and o), an RMSNorm over head_dim on each head of q and k before RoPE, head_dim defaulting to 128
/// (not hidden_size / heads), and Qwen2's sliding-window rule.
/// </summary>
public static class Qwen3Config
{
    public const string ClassName = "Qwen3ForCausalLM";

    public static DecoderSpec Spec(ModelConfig c)
    {
        var (hidden, heads, kvHeads, headDim) = DecoderFields.Attention(c, defaultHeadDim: 128);
        int layers = c.Int("num_hidden_layers");
        bool bias = c.BoolOr(false, "attention_bias");
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
            QkNorm = QkNorm.PerHead,
            QkvBias = bias,
            OutputBias = bias,
            RopeTheta = DecoderFields.RopeTheta(c, 10000),
            RopeScaling = DecoderFields.RopeScaling(c),
            RotaryDim = DecoderFields.RotaryDim(c, headDim),
            AttentionScale = 1 / Math.Sqrt(headDim),
            SlidingWindows = Qwen2Config.Windows(c, layers),
            TieWordEmbeddings = c.BoolOr(false, "tie_word_embeddings"),
        };
    }

    public static JsonObject Template(ModelShape s)
    {
        var json = DecoderFields.Template("qwen3", ClassName, s);
        json["hidden_act"] = "silu";
        json["rms_norm_eps"] = 1e-6;
        json["rope_theta"] = 1000000.0;
        json["attention_bias"] = false;
        json["use_sliding_window"] = false;
        json["sliding_window"] = null;
        json["tie_word_embeddings"] = false;
        return json;
    }
}
