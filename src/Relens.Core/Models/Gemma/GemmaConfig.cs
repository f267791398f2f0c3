using System.Text.Json.Nodes;
using Relens.Models.Decoder;
using Relens.Models.Layers;

namespace Relens.Models.Gemma;

/// <summary>
/// Gemma's config.json (HF GemmaConfig): LLaMA's pre-norm block with the embedding scaled by √hidden_size, every
/// RMSNorm x̂·(1 + w), a GeGLU MLP, head_dim defaulting to 256 and tied embeddings. The MLP's activation is
/// hidden_activation, or gelu_pytorch_tanh when absent — transformers 4.44 ignores hidden_act for Gemma.
/// </summary>
public static class GemmaConfig
{
    public const string ClassName = "GemmaForCausalLM";

    public static DecoderSpec Spec(ModelConfig c)
    {
        var (hidden, heads, kvHeads, headDim) = DecoderFields.Attention(c, defaultHeadDim: 256);
        bool bias = c.BoolOr(false, "attention_bias");
        DecoderFields.RefuseIfTrue(c, "use_bidirectional_attention", "Relens runs causal decoders only");
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
            Activation = DecoderFields.Activation(c, "hidden_activation", "gelu_pytorch_tanh"),
            RmsNormEps = c.DoubleOr(1e-6, "rms_norm_eps"),
            NormGain = RmsNormGain.OnePlusWeight,
            QkvBias = bias,
            OutputBias = bias,
            RopeTheta = DecoderFields.RopeTheta(c, 10000),
            RopeScaling = DecoderFields.RopeScaling(c),
            RotaryDim = DecoderFields.RotaryDim(c, headDim),
            AttentionScale = 1 / Math.Sqrt(headDim),
            ScaleEmbedding = true,
            SlidingWindows = new int?[layers],
            TieWordEmbeddings = c.BoolOr(true, "tie_word_embeddings"),
        };
    }

    public static JsonObject Template(ModelShape s)
    {
        var json = DecoderFields.Template("gemma", ClassName, s);
        json["hidden_act"] = "gelu_pytorch_tanh";
        json["hidden_activation"] = "gelu_pytorch_tanh";
        json["rms_norm_eps"] = 1e-6;
        json["rope_theta"] = 10000.0;
        json["tie_word_embeddings"] = true;
        return json;
    }
}
