using System.Text.Json.Nodes;
using Relens.Models.Decoder;

namespace Relens.Models.Olmo2;

/// <summary>
/// OLMo 2's config.json (HF Olmo2Config): post-norm blocks without input norms (x + norm(attn(x)), then
/// m + norm(mlp(m))), an RMSNorm over the WHOLE q projection (heads·head_dim) and the whole k projection before
/// RoPE, SwiGLU, attention_bias on q/k/v/o (default false), eps 1e-5, untied.
/// </summary>
public static class Olmo2Config
{
    public const string ClassName = "Olmo2ForCausalLM";

    public static DecoderSpec Spec(ModelConfig c)
    {
        var (hidden, heads, kvHeads, headDim) = DecoderFields.Attention(c);
        bool bias = c.BoolOr(false, "attention_bias");
        if (c.Has("clip_qkv")) throw RelensException.InFile(c.Path, "\"clip_qkv\" is not supported for olmo2 (HF's Olmo2 has no qkv clipping)");
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
            RmsNormEps = c.DoubleOr(1e-5, "rms_norm_eps"),
            Layout = BlockLayout.PostNorm,
            QkNorm = QkNorm.WholeProjection,
            QkvBias = bias,
            OutputBias = bias,
            RopeTheta = DecoderFields.RopeTheta(c, 10000),
            RopeScaling = DecoderFields.RopeScaling(c),
            RotaryDim = DecoderFields.RotaryDim(c, headDim),
            AttentionScale = 1 / Math.Sqrt(headDim),
            SlidingWindows = new int?[layers],
            TieWordEmbeddings = c.BoolOr(false, "tie_word_embeddings"),
        };
    }

    public static JsonObject Template(ModelShape s)
    {
        var json = DecoderFields.Template("olmo2", ClassName, s);
        json.Remove("head_dim"); // Olmo2Config has no head_dim field
        json["hidden_act"] = "silu";
        json["rms_norm_eps"] = 1e-5;
        json["rope_theta"] = 500000.0;
        json["attention_bias"] = false;
        json["tie_word_embeddings"] = false;
        return json;
    }
}
