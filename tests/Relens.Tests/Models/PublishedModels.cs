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
}
