using System.Text.Json.Nodes;
using Relens.Models.Decoder;
using Relens.Models.Layers;

namespace Relens.Models.Gemma2;

/// <summary>
/// Gemma 2's config.json (HF Gemma2Config): Gemma's embedding scale, (1 + w) RMSNorms and GeGLU, with a norm before
/// AND after both attention and MLP, scores scaled by query_pre_attn_scalar^-½ and soft-capped by
/// attn_logit_softcapping before the mask, final_logit_softcapping on the logits (null switches either off), and
/// sliding windows on the layers layer_types marks — without layer_types, on the even layers 0, 2, … (HF's rule).
/// </summary>
public static class Gemma2Config
{
    public const string ClassName = "Gemma2ForCausalLM";

    public static DecoderSpec Spec(ModelConfig c)
    {
        var (hidden, heads, kvHeads, headDim) = DecoderFields.Attention(c, defaultHeadDim: 256);
        int layers = c.Int("num_hidden_layers");
        bool bias = c.BoolOr(false, "attention_bias");
        double scalar = c.DoubleOr(224, "query_pre_attn_scalar");
        if (scalar <= 0) throw RelensException.InFile(c.Path, $"\"query_pre_attn_scalar\" must be positive, found {scalar}");
        var sliding = DecoderFields.SlidingLayers(c, layers) ?? Enumerable.Range(0, layers).Select(i => i % 2 == 0).ToArray();
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
            Activation = DecoderFields.Activation(c, "hidden_activation", "gelu_pytorch_tanh"),
            RmsNormEps = c.DoubleOr(1e-6, "rms_norm_eps"),
            NormGain = RmsNormGain.OnePlusWeight,
            Layout = BlockLayout.Sandwich,
            QkvBias = bias,
            OutputBias = bias,
            RopeTheta = DecoderFields.RopeTheta(c, 10000),
            RopeScaling = DecoderFields.RopeScaling(c),
            RotaryDim = DecoderFields.RotaryDim(c, headDim),
            AttentionScale = 1 / Math.Sqrt(scalar),
            AttentionSoftcap = DecoderFields.OptionalPositive(c, "attn_logit_softcapping", 50.0),
            FinalLogitSoftcap = DecoderFields.OptionalPositive(c, "final_logit_softcapping", 30.0),
            ScaleEmbedding = true,
            SlidingWindows = DecoderFields.Windows(c, sliding, DecoderFields.OptionalInt(c, "sliding_window", 4096)),
            TieWordEmbeddings = c.BoolOr(true, "tie_word_embeddings"),
        };
    }

    public static JsonObject Template(ModelShape s)
    {
        var json = DecoderFields.Template("gemma2", ClassName, s);
        json["hidden_act"] = "gelu_pytorch_tanh";
        json["hidden_activation"] = "gelu_pytorch_tanh";
        json["rms_norm_eps"] = 1e-6;
        json["rope_theta"] = 10000.0;
        json["query_pre_attn_scalar"] = (double)(s.Dim / s.Heads);
        json["attn_logit_softcapping"] = 50.0;
        json["final_logit_softcapping"] = 30.0;
        json["sliding_window"] = 4096;
        json["tie_word_embeddings"] = true;
        return json;
    }
}
