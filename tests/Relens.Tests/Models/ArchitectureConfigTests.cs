using System.Text.Json.Nodes;
using Relens.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Tests.Models;

/// <summary>config.json values the architectures cannot honour are refused with the file named, before any weights.</summary>
public class ArchitectureConfigTests
{
    private static RelensException Refused(string json)
    {
        var config = ModelConfig.FromJson(JsonNode.Parse(json)!.AsObject(), "/models/x/config.json");
        var e = Assert.Throws<RelensException>(() => ModelStructure.Parameters(ModelRegistry.Get(config), config));
        Assert.Contains("/models/x/config.json", e.Message);
        return e;
    }

    [Fact]
    public void RegistryListsEveryArchitecture()
    {
        string[] expected = ["gemma", "gemma2", "gpt2", "gpt_neo", "gpt_neox", "gptj", "llama", "mistral", "olmo2", "phi3", "qwen2", "qwen3"];
        Assert.Equal(expected.Order(StringComparer.Ordinal), ModelRegistry.SupportedModelTypes.Order(StringComparer.Ordinal));
        var e = Assert.Throws<RelensException>(() => ModelRegistry.Get(ModelConfig.FromJson(new JsonObject { ["model_type"] = "falcon" })));
        Assert.All(expected, t => Assert.Contains(t, e.Message));
    }

    [Fact]
    public void KeyValueHeadsMustDivideTheHeads() =>
        Assert.Contains("num_key_value_heads 3", Refused("""{"model_type":"llama","vocab_size":10,"hidden_size":64,"intermediate_size":8,"num_hidden_layers":1,"num_attention_heads":4,"num_key_value_heads":3}""").Message);

    [Fact]
    public void GptJRotaryDimMustFitTheHead() =>
        Assert.Contains("rotary_dim 40", Refused("""{"model_type":"gptj","vocab_size":10,"n_embd":64,"n_layer":1,"n_head":4,"rotary_dim":40}""").Message);

    [Fact]
    public void GptJTiedEmbeddingsAreRefused() =>
        Assert.Contains("tie_word_embeddings", Refused("""{"model_type":"gptj","vocab_size":10,"n_embd":64,"n_layer":1,"n_head":4,"rotary_dim":8,"tie_word_embeddings":true}""").Message);

    [Fact]
    public void UnknownActivationIsRefused() =>
        Assert.Contains("'quick_gelu'", Refused("""{"model_type":"gpt_neox","vocab_size":10,"hidden_size":64,"intermediate_size":8,"num_hidden_layers":1,"num_attention_heads":4,"hidden_act":"quick_gelu"}""").Message);

    [Fact]
    public void OptionalLlamaFieldsShapeTheModule()
    {
        // explicit head_dim (wider than hidden/heads), biases, GQA and tied embeddings: the Mistral-Nemo / Qwen-style variants
        var config = ModelConfig.FromJson(JsonNode.Parse("""
            {"model_type":"llama","vocab_size":10,"hidden_size":64,"intermediate_size":8,"num_hidden_layers":1,
             "num_attention_heads":4,"num_key_value_heads":2,"head_dim":32,"attention_bias":true,"mlp_bias":true,"tie_word_embeddings":true}
            """)!.AsObject());
        var shapes = ModelStructure.Parameters(ModelRegistry.Get(config), config).ToDictionary(p => p.Name, p => p.Shape);
        Assert.Equal([128L, 64], shapes["model.layers.0.self_attn.q_proj.weight"]);
        Assert.Equal([64L, 64], shapes["model.layers.0.self_attn.k_proj.weight"]);
        Assert.Equal([64L], shapes["model.layers.0.self_attn.v_proj.bias"]);
        Assert.Equal([64L, 128], shapes["model.layers.0.self_attn.o_proj.weight"]);
        Assert.Equal([64L], shapes["model.layers.0.self_attn.o_proj.bias"]);
        Assert.Equal([8L], shapes["model.layers.0.mlp.gate_proj.bias"]);
        Assert.DoesNotContain("lm_head.weight", shapes.Keys);

        // and such a module runs: GQA with 2 query heads per KV head, tied unembedding
        using var scope = torch.NewDisposeScope();
        using var model = ModelRegistry.Get(config).Create(config, ScalarType.Float32);
        using (torch.no_grad()) foreach (var p in model.parameters()) p.normal_(0, 0.1);
        var logits = model.forward(torch.tensor(new long[] { 1, 2, 3 }, [1, 3], ScalarType.Int64));
        Assert.Equal([1L, 3, 10], logits.shape);
        Assert.True(logits.isfinite().all().item<bool>());
    }
}
