using System.Text.Json.Nodes;
using Relens.Models;

namespace Relens.Tests.Models;

/// <summary>
/// A published checkpoint as the Hugging Face Hub has it: its config.json values, every tensor key with
/// its shape, the keys that are buffers rather than parameters, and the parameter count its authors
/// state (null where none is stated for the HF layout). Written by hand from the public files — not
/// derived from Relens — so the structure tests compare two independent descriptions.
/// </summary>
public sealed record PublishedModel(string Name, JsonObject Config, IReadOnlyDictionary<string, long[]> Parameters,
    IReadOnlyDictionary<string, long[]> Buffers, long? StatedParameterCount)
{
    /// <summary>The config as Relens reads a config.json: parsed from text (in-code JSON numbers keep their C# type).</summary>
    public ModelConfig ModelConfig() => Relens.Models.ModelConfig.FromJson(JsonNode.Parse(Config.ToJsonString())!.AsObject(), $"{Name}/config.json");
}

public static class PublishedModels
{
    public static IEnumerable<string> Names => All.Keys;

    public static PublishedModel Get(string name) => All[name]();

    private static readonly Dictionary<string, Func<PublishedModel>> All = new()
    {
        ["gpt2-xl"] = Gpt2Xl,
        ["gpt-j-6b"] = GptJ6B,
        ["pythia-1.4b"] = Pythia1_4B,
        ["llama-2-7b"] = Llama2_7B,
        ["mistral-7b"] = Mistral7B,
        ["llama-13b"] = Llama13B,
        ["qwen2.5-7b"] = Qwen25_7B,
        ["qwen3-8b"] = Qwen3_8B,
        ["gemma-2-9b"] = Gemma2_9B,
        ["phi-3-mini-4k"] = Phi3Mini4K,
        ["olmo-2-7b"] = Olmo2_7B,
    };

    private sealed class Keys
    {
        public readonly Dictionary<string, long[]> Parameters = new(StringComparer.Ordinal);
        public readonly Dictionary<string, long[]> Buffers = new(StringComparer.Ordinal);
        public void P(string key, params long[] shape) => Parameters.Add(key, shape);
        public void B(string key, params long[] shape) => Buffers.Add(key, shape);
    }

    /// <summary>openai-community/gpt2-xl: the OpenAI conversion, keys WITHOUT "transformer.", Conv1D weights [in, out],
    /// the causal-mask buffer h.{i}.attn.bias in the file, no lm_head (tied).</summary>
    private static PublishedModel Gpt2Xl()
    {
        const int d = 1600, layers = 48, vocab = 50257, ctx = 1024;
        var k = new Keys();
        k.P("wte.weight", vocab, d);
        k.P("wpe.weight", ctx, d);
        for (int i = 0; i < layers; i++)
        {
            string h = $"h.{i}.";
            k.P(h + "ln_1.weight", d); k.P(h + "ln_1.bias", d);
            k.B(h + "attn.bias", 1, 1, ctx, ctx);
            k.P(h + "attn.c_attn.weight", d, 3 * d); k.P(h + "attn.c_attn.bias", 3 * d);
            k.P(h + "attn.c_proj.weight", d, d); k.P(h + "attn.c_proj.bias", d);
            k.P(h + "ln_2.weight", d); k.P(h + "ln_2.bias", d);
            k.P(h + "mlp.c_fc.weight", d, 4 * d); k.P(h + "mlp.c_fc.bias", 4 * d);
            k.P(h + "mlp.c_proj.weight", 4 * d, d); k.P(h + "mlp.c_proj.bias", d);
        }
        k.P("ln_f.weight", d); k.P("ln_f.bias", d);
        var config = new JsonObject
        {
            ["model_type"] = "gpt2", ["vocab_size"] = vocab, ["n_positions"] = ctx, ["n_ctx"] = ctx, ["n_embd"] = d,
            ["n_layer"] = layers, ["n_head"] = 25, ["activation_function"] = "gelu_new", ["layer_norm_epsilon"] = 1e-5,
        };
        return new PublishedModel("gpt2-xl", config, k.Parameters, k.Buffers, 1_557_611_200);
    }

    /// <summary>EleutherAI/gpt-j-6b: "transformer." prefix, separate q/k/v/out projections without bias, one ln_1
    /// per block, lm_head with bias; attn.bias (bool causal mask) and attn.masked_bias buffers in the files.</summary>
    private static PublishedModel GptJ6B()
    {
        const int d = 4096, layers = 28, vocab = 50400, ctx = 2048;
        var k = new Keys();
        k.P("transformer.wte.weight", vocab, d);
        for (int i = 0; i < layers; i++)
        {
            string h = $"transformer.h.{i}.";
            k.P(h + "ln_1.weight", d); k.P(h + "ln_1.bias", d);
            k.B(h + "attn.bias", 1, 1, ctx, ctx); k.B(h + "attn.masked_bias");
            foreach (var proj in new[] { "k_proj", "v_proj", "q_proj", "out_proj" }) k.P(h + $"attn.{proj}.weight", d, d);
            k.P(h + "mlp.fc_in.weight", 4 * d, d); k.P(h + "mlp.fc_in.bias", 4 * d);
            k.P(h + "mlp.fc_out.weight", d, 4 * d); k.P(h + "mlp.fc_out.bias", d);
        }
        k.P("transformer.ln_f.weight", d); k.P("transformer.ln_f.bias", d);
        k.P("lm_head.weight", vocab, d); k.P("lm_head.bias", vocab);
        var config = new JsonObject
        {
            ["model_type"] = "gptj", ["vocab_size"] = vocab, ["n_positions"] = ctx, ["n_embd"] = d, ["n_layer"] = layers,
            ["n_head"] = 16, ["rotary_dim"] = 64, ["n_inner"] = null, ["activation_function"] = "gelu_new",
            ["layer_norm_epsilon"] = 1e-5, ["tie_word_embeddings"] = false,
        };
        return new PublishedModel("gpt-j-6b", config, k.Parameters, k.Buffers, null);
    }

    /// <summary>EleutherAI/pythia-1.4b: fused query_key_value with biases, two LayerNorms per layer, untied embed_out;
    /// attention.bias, attention.masked_bias and attention.rotary_emb.inv_freq buffers in the published files.</summary>
    private static PublishedModel Pythia1_4B()
    {
        const int d = 2048, layers = 24, vocab = 50304, ctx = 2048, ff = 8192, heads = 16;
        const int rotary = d / heads / 4; // rotary_pct 0.25
        var k = new Keys();
        k.P("gpt_neox.embed_in.weight", vocab, d);
        for (int i = 0; i < layers; i++)
        {
            string l = $"gpt_neox.layers.{i}.";
            k.P(l + "input_layernorm.weight", d); k.P(l + "input_layernorm.bias", d);
            k.P(l + "post_attention_layernorm.weight", d); k.P(l + "post_attention_layernorm.bias", d);
            k.B(l + "attention.bias", 1, 1, ctx, ctx); k.B(l + "attention.masked_bias");
            k.B(l + "attention.rotary_emb.inv_freq", rotary / 2);
            k.P(l + "attention.query_key_value.weight", 3 * d, d); k.P(l + "attention.query_key_value.bias", 3 * d);
            k.P(l + "attention.dense.weight", d, d); k.P(l + "attention.dense.bias", d);
            k.P(l + "mlp.dense_h_to_4h.weight", ff, d); k.P(l + "mlp.dense_h_to_4h.bias", ff);
            k.P(l + "mlp.dense_4h_to_h.weight", d, ff); k.P(l + "mlp.dense_4h_to_h.bias", d);
        }
        k.P("gpt_neox.final_layer_norm.weight", d); k.P("gpt_neox.final_layer_norm.bias", d);
        k.P("embed_out.weight", vocab, d);
        var config = new JsonObject
        {
            ["model_type"] = "gpt_neox", ["vocab_size"] = vocab, ["hidden_size"] = d, ["num_hidden_layers"] = layers,
            ["num_attention_heads"] = heads, ["intermediate_size"] = ff, ["hidden_act"] = "gelu", ["rotary_pct"] = 0.25,
            ["rotary_emb_base"] = 10000, ["max_position_embeddings"] = ctx, ["layer_norm_eps"] = 1e-5,
            ["use_parallel_residual"] = true, ["tie_word_embeddings"] = false,
        };
        return new PublishedModel("pythia-1.4b", config, k.Parameters, k.Buffers, 1_414_647_808);
    }

    /// <summary>LLaMA layout: model.* with q/k/v/o, gate/up/down, two RMSNorm weights per layer, untied lm_head.</summary>
    private static Keys LlamaKeys(int d, int layers, int vocab, int ff, int kvWidth, int? invFreq)
    {
        var k = new Keys();
        k.P("model.embed_tokens.weight", vocab, d);
        for (int i = 0; i < layers; i++)
        {
            string l = $"model.layers.{i}.";
            k.P(l + "self_attn.q_proj.weight", d, d);
            k.P(l + "self_attn.k_proj.weight", kvWidth, d);
            k.P(l + "self_attn.v_proj.weight", kvWidth, d);
            k.P(l + "self_attn.o_proj.weight", d, d);
            if (invFreq is { } n) k.B(l + "self_attn.rotary_emb.inv_freq", n);
            k.P(l + "mlp.gate_proj.weight", ff, d);
            k.P(l + "mlp.up_proj.weight", ff, d);
            k.P(l + "mlp.down_proj.weight", d, ff);
            k.P(l + "input_layernorm.weight", d);
            k.P(l + "post_attention_layernorm.weight", d);
        }
        k.P("model.norm.weight", d);
        k.P("lm_head.weight", vocab, d);
        return k;
    }

    /// <summary>meta-llama/Llama-2-7b-hf: the files carry each layer's rotary inv_freq buffer (head_dim / 2 = 64).</summary>
    private static PublishedModel Llama2_7B()
    {
        var k = LlamaKeys(4096, 32, 32000, 11008, 4096, invFreq: 64);
        var config = new JsonObject
        {
            ["model_type"] = "llama", ["vocab_size"] = 32000, ["hidden_size"] = 4096, ["intermediate_size"] = 11008,
            ["num_hidden_layers"] = 32, ["num_attention_heads"] = 32, ["num_key_value_heads"] = 32, ["hidden_act"] = "silu",
            ["max_position_embeddings"] = 4096, ["rms_norm_eps"] = 1e-5, ["rope_scaling"] = null, ["tie_word_embeddings"] = false,
        };
        return new PublishedModel("llama-2-7b", config, k.Parameters, k.Buffers, 6_738_415_616);
    }

    /// <summary>mistralai/Mistral-7B-v0.1: grouped-query attention (8 KV heads → k/v_proj [1024, 4096]), no buffers.</summary>
    private static PublishedModel Mistral7B()
    {
        var k = LlamaKeys(4096, 32, 32000, 14336, 1024, invFreq: null);
        var config = new JsonObject
        {
            ["model_type"] = "mistral", ["vocab_size"] = 32000, ["hidden_size"] = 4096, ["intermediate_size"] = 14336,
            ["num_hidden_layers"] = 32, ["num_attention_heads"] = 32, ["num_key_value_heads"] = 8, ["hidden_act"] = "silu",
            ["max_position_embeddings"] = 32768, ["rms_norm_eps"] = 1e-5, ["rope_theta"] = 10000.0, ["sliding_window"] = 4096,
            ["tie_word_embeddings"] = false,
        };
        return new PublishedModel("mistral-7b", config, k.Parameters, k.Buffers, 7_241_732_096);
    }

    /// <summary>LLaMA-13B (the paper's third model) as converted to HF: 40 layers of width 5120.</summary>
    private static PublishedModel Llama13B()
    {
        var k = LlamaKeys(5120, 40, 32000, 13824, 5120, invFreq: 64);
        var config = new JsonObject
        {
            ["model_type"] = "llama", ["vocab_size"] = 32000, ["hidden_size"] = 5120, ["intermediate_size"] = 13824,
            ["num_hidden_layers"] = 40, ["num_attention_heads"] = 40, ["hidden_act"] = "silu",
            ["max_position_embeddings"] = 2048, ["rms_norm_eps"] = 1e-6, ["tie_word_embeddings"] = false,
        };
        return new PublishedModel("llama-13b", config, k.Parameters, k.Buffers, null);
    }

    /// <summary>The model.* layout of the rotary decoder families: the attention and MLP keys each family names, the
    /// norms listed per layer, model.norm, and lm_head unless tied.</summary>
    private static Keys DecoderKeys(int d, int layers, int vocab, bool tied, Action<Keys, string> layer)
    {
        var k = new Keys();
        k.P("model.embed_tokens.weight", vocab, d);
        for (int i = 0; i < layers; i++) layer(k, $"model.layers.{i}.");
        k.P("model.norm.weight", d);
        if (!tied) k.P("lm_head.weight", vocab, d);
        return k;
    }

    private static void SeparateProjections(Keys k, string l, int d, int qWidth, int kvWidth, int ff, bool qkvBias)
    {
        k.P(l + "self_attn.q_proj.weight", qWidth, d);
        k.P(l + "self_attn.k_proj.weight", kvWidth, d);
        k.P(l + "self_attn.v_proj.weight", kvWidth, d);
        if (qkvBias) { k.P(l + "self_attn.q_proj.bias", qWidth); k.P(l + "self_attn.k_proj.bias", kvWidth); k.P(l + "self_attn.v_proj.bias", kvWidth); }
        k.P(l + "self_attn.o_proj.weight", d, qWidth);
        k.P(l + "mlp.gate_proj.weight", ff, d);
        k.P(l + "mlp.up_proj.weight", ff, d);
        k.P(l + "mlp.down_proj.weight", d, ff);
    }

    /// <summary>Qwen/Qwen2.5-7B: bias on q/k/v only, 4 KV heads of 128 (k/v_proj [512, 3584]), untied; 7,615,616,512 parameters (HF's count).</summary>
    private static PublishedModel Qwen25_7B()
    {
        const int d = 3584, ff = 18944;
        var k = DecoderKeys(d, 28, 152064, tied: false, (k, l) =>
        {
            SeparateProjections(k, l, d, d, 512, ff, qkvBias: true);
            k.P(l + "input_layernorm.weight", d); k.P(l + "post_attention_layernorm.weight", d);
        });
        var config = new JsonObject
        {
            ["architectures"] = new JsonArray("Qwen2ForCausalLM"), ["attention_dropout"] = 0.0, ["bos_token_id"] = 151643,
            ["eos_token_id"] = 151643, ["hidden_act"] = "silu", ["hidden_size"] = d, ["initializer_range"] = 0.02,
            ["intermediate_size"] = ff, ["max_position_embeddings"] = 131072, ["max_window_layers"] = 28, ["model_type"] = "qwen2",
            ["num_attention_heads"] = 28, ["num_hidden_layers"] = 28, ["num_key_value_heads"] = 4, ["rms_norm_eps"] = 1e-6,
            ["rope_theta"] = 1000000.0, ["sliding_window"] = 131072, ["tie_word_embeddings"] = false, ["torch_dtype"] = "bfloat16",
            ["use_cache"] = true, ["use_mrope"] = false, ["use_sliding_window"] = false, ["vocab_size"] = 152064,
        };
        return new PublishedModel("qwen2.5-7b", config, k.Parameters, k.Buffers, 7_615_616_512);
    }

    /// <summary>Qwen/Qwen3-8B: no biases, head_dim 128 with q_norm/k_norm [128] per layer, 8 KV heads, untied; 8,190,735,360 parameters.</summary>
    private static PublishedModel Qwen3_8B()
    {
        const int d = 4096, ff = 12288;
        var k = DecoderKeys(d, 36, 151936, tied: false, (k, l) =>
        {
            SeparateProjections(k, l, d, 32 * 128, 8 * 128, ff, qkvBias: false);
            k.P(l + "self_attn.q_norm.weight", 128); k.P(l + "self_attn.k_norm.weight", 128);
            k.P(l + "input_layernorm.weight", d); k.P(l + "post_attention_layernorm.weight", d);
        });
        var config = new JsonObject
        {
            ["architectures"] = new JsonArray("Qwen3ForCausalLM"), ["attention_bias"] = false, ["attention_dropout"] = 0.0,
            ["bos_token_id"] = 151643, ["eos_token_id"] = 151645, ["head_dim"] = 128, ["hidden_act"] = "silu", ["hidden_size"] = d,
            ["initializer_range"] = 0.02, ["intermediate_size"] = ff, ["max_position_embeddings"] = 40960, ["max_window_layers"] = 36,
            ["model_type"] = "qwen3", ["num_attention_heads"] = 32, ["num_hidden_layers"] = 36, ["num_key_value_heads"] = 8,
            ["rms_norm_eps"] = 1e-6, ["rope_scaling"] = null, ["rope_theta"] = 1000000, ["sliding_window"] = null,
            ["tie_word_embeddings"] = false, ["torch_dtype"] = "bfloat16", ["use_cache"] = true, ["use_sliding_window"] = false,
            ["vocab_size"] = 151936,
        };
        return new PublishedModel("qwen3-8b", config, k.Parameters, k.Buffers, 8_190_735_360);
    }

    /// <summary>google/gemma-2-9b: 16 heads × 256 (q_proj [4096, 3584]), 8 KV heads, four norms per layer, tied; 9,241,705,984 parameters.</summary>
    private static PublishedModel Gemma2_9B()
    {
        const int d = 3584, ff = 14336;
        var k = DecoderKeys(d, 42, 256000, tied: true, (k, l) =>
        {
            SeparateProjections(k, l, d, 16 * 256, 8 * 256, ff, qkvBias: false);
            foreach (var norm in new[] { "input_layernorm", "post_attention_layernorm", "pre_feedforward_layernorm", "post_feedforward_layernorm" })
                k.P(l + norm + ".weight", d);
        });
        var config = new JsonObject
        {
            ["architectures"] = new JsonArray("Gemma2ForCausalLM"), ["attention_bias"] = false, ["attention_dropout"] = 0.0,
            ["attn_logit_softcapping"] = 50.0, ["bos_token_id"] = 2, ["cache_implementation"] = "hybrid", ["eos_token_id"] = 1,
            ["final_logit_softcapping"] = 30.0, ["head_dim"] = 256, ["hidden_act"] = "gelu_pytorch_tanh",
            ["hidden_activation"] = "gelu_pytorch_tanh", ["hidden_size"] = d, ["initializer_range"] = 0.02, ["intermediate_size"] = ff,
            ["max_position_embeddings"] = 8192, ["model_type"] = "gemma2", ["num_attention_heads"] = 16, ["num_hidden_layers"] = 42,
            ["num_key_value_heads"] = 8, ["pad_token_id"] = 0, ["query_pre_attn_scalar"] = 256, ["rms_norm_eps"] = 1e-6,
            ["rope_theta"] = 10000.0, ["sliding_window"] = 4096, ["sliding_window_size"] = 4096, ["torch_dtype"] = "float32",
            ["use_cache"] = true, ["vocab_size"] = 256000,
        };
        return new PublishedModel("gemma-2-9b", config, k.Parameters, k.Buffers, 9_241_705_984);
    }

    /// <summary>microsoft/Phi-3-mini-4k-instruct: fused qkv_proj [9216, 3072] and gate_up_proj [16384, 3072], untied; 3,821,079,552 parameters.</summary>
    private static PublishedModel Phi3Mini4K()
    {
        const int d = 3072, ff = 8192;
        var k = DecoderKeys(d, 32, 32064, tied: false, (k, l) =>
        {
            k.P(l + "self_attn.qkv_proj.weight", 3 * d, d);
            k.P(l + "self_attn.o_proj.weight", d, d);
            k.P(l + "mlp.gate_up_proj.weight", 2 * ff, d);
            k.P(l + "mlp.down_proj.weight", d, ff);
            k.P(l + "input_layernorm.weight", d); k.P(l + "post_attention_layernorm.weight", d);
        });
        var config = new JsonObject
        {
            ["architectures"] = new JsonArray("Phi3ForCausalLM"), ["attention_bias"] = false, ["attention_dropout"] = 0.0,
            ["bos_token_id"] = 1, ["embd_pdrop"] = 0.0, ["eos_token_id"] = 32000, ["hidden_act"] = "silu", ["hidden_size"] = d,
            ["initializer_range"] = 0.02, ["intermediate_size"] = ff, ["max_position_embeddings"] = 4096, ["model_type"] = "phi3",
            ["num_attention_heads"] = 32, ["num_hidden_layers"] = 32, ["num_key_value_heads"] = 32,
            ["original_max_position_embeddings"] = 4096, ["pad_token_id"] = 32000, ["resid_pdrop"] = 0.0, ["rms_norm_eps"] = 1e-5,
            ["rope_scaling"] = null, ["rope_theta"] = 10000.0, ["sliding_window"] = 2047, ["tie_word_embeddings"] = false,
            ["torch_dtype"] = "bfloat16", ["use_cache"] = true, ["vocab_size"] = 32064,
        };
        return new PublishedModel("phi-3-mini-4k", config, k.Parameters, k.Buffers, 3_821_079_552);
    }

    /// <summary>allenai/OLMo-2-1124-7B: no input norms, q_norm/k_norm over the whole projection [4096], post-attention and
    /// post-feedforward norms, untied; 7,298,617,344 parameters.</summary>
    private static PublishedModel Olmo2_7B()
    {
        const int d = 4096, ff = 11008;
        var k = DecoderKeys(d, 32, 100352, tied: false, (k, l) =>
        {
            SeparateProjections(k, l, d, d, d, ff, qkvBias: false);
            k.P(l + "self_attn.q_norm.weight", d); k.P(l + "self_attn.k_norm.weight", d);
            k.P(l + "post_attention_layernorm.weight", d); k.P(l + "post_feedforward_layernorm.weight", d);
        });
        var config = new JsonObject
        {
            ["architectures"] = new JsonArray("Olmo2ForCausalLM"), ["attention_bias"] = false, ["attention_dropout"] = 0.0,
            ["eos_token_id"] = 100257, ["hidden_act"] = "silu", ["hidden_size"] = d, ["initializer_range"] = 0.02,
            ["intermediate_size"] = ff, ["max_position_embeddings"] = 4096, ["model_type"] = "olmo2", ["num_attention_heads"] = 32,
            ["num_hidden_layers"] = 32, ["num_key_value_heads"] = 32, ["pad_token_id"] = 100277, ["rms_norm_eps"] = 1e-6,
            ["rope_scaling"] = null, ["rope_theta"] = 500000, ["tie_word_embeddings"] = false, ["torch_dtype"] = "float32",
            ["use_cache"] = true, ["vocab_size"] = 100352,
        };
        return new PublishedModel("olmo-2-7b", config, k.Parameters, k.Buffers, 7_298_617_344);
    }
}
