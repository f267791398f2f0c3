using System.Text.Json.Nodes;
using Relens.Cli.Commands;
using Relens.Models;
using Relens.Models.Decoder;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Tests.Models;

/// <summary>
/// How the newer families read config.json (HF's fields and defaults, transformers 4.44 and the newer layer_types),
/// what they refuse, naming the field, and `relens model init` for each.
/// </summary>
[Trait(TestCategories.Name, TestCategories.Golden)]
public class FamilyConfigTests
{
    private const string Path = "/models/x/config.json";

    private static ModelConfig Config(string arch, string fields)
    {
        var json = ModelTemplates.Config(arch, new ModelShape(4, 64, 4, 100)).Json;
        foreach (var (key, value) in JsonNode.Parse(fields)!.AsObject()) json[key] = value?.DeepClone();
        return ModelConfig.FromJson(JsonNode.Parse(json.ToJsonString())!.AsObject(), Path);
    }

    private static DecoderSpec Spec(string arch, string fields = "{}")
    {
        var config = Config(arch, fields);
        return ((DecoderArchitecture)ModelRegistry.Get(config)).Spec(config);
    }

    private static string Refused(string arch, string fields)
    {
        var config = Config(arch, fields);
        var e = Assert.Throws<RelensException>(() => ModelStructure.Parameters(ModelRegistry.Get(config), config));
        Assert.Contains(Path, e.Message);
        return e.Message;
    }

    [Fact]
    public void Qwen2SlidesOnlyWithUseSlidingWindowFromMaxWindowLayersOrAsLayerTypesSay()
    {
        Assert.All(Spec("qwen2", """{"sliding_window":6,"max_window_layers":2}""").SlidingWindows, w => Assert.Null(w)); // use_sliding_window false
        Assert.Equal([null, null, 6, 6], Spec("qwen2", """{"use_sliding_window":true,"sliding_window":6,"max_window_layers":2}""").SlidingWindows);
        // layer_types wins over max_window_layers: local early layers
        Assert.Equal([6, 6, null, null], Spec("qwen3", """{"use_sliding_window":true,"sliding_window":6,"max_window_layers":2,"layer_types":["sliding_attention","sliding_attention","full_attention","full_attention"]}""").SlidingWindows);
        Assert.Contains("no sliding window", Refused("qwen2", """{"layer_types":["sliding_attention","full_attention","full_attention","full_attention"]}"""));
        Assert.Contains("\"layer_types\" has 2 entries", Refused("qwen2", """{"layer_types":["full_attention","full_attention"]}"""));
        Assert.Contains("\"layer_types\"[1]", Refused("gemma2", """{"layer_types":["full_attention","chunked_attention","full_attention","full_attention"]}"""));
    }

    [Fact]
    public void Gemma2AlternatesFromLayerZeroUnlessLayerTypesSayOtherwise()
    {
        var spec = Spec("gemma2", """{"sliding_window":5}""");
        Assert.Equal([5, null, 5, null], spec.SlidingWindows);
        Assert.Equal([null, 5, null, 5], Spec("gemma2", """{"sliding_window":5,"layer_types":["full_attention","sliding_attention","full_attention","sliding_attention"]}""").SlidingWindows);
        // absent softcaps are HF's defaults, null switches them off; query_pre_attn_scalar sets the score scale
        var defaults = Config("gemma2", "{}").Json;
        defaults.Remove("attn_logit_softcapping"); defaults.Remove("final_logit_softcapping"); defaults.Remove("query_pre_attn_scalar");
        var absent = ((DecoderArchitecture)ModelRegistry.Get(ModelConfig.FromJson(defaults))).Spec(ModelConfig.FromJson(defaults));
        Assert.Equal((50.0, 30.0), (absent.AttentionSoftcap, absent.FinalLogitSoftcap));
        Assert.Equal(1 / Math.Sqrt(224), absent.AttentionScale, 12);
        var off = Spec("gemma2", """{"attn_logit_softcapping":null,"final_logit_softcapping":null,"query_pre_attn_scalar":144}""");
        Assert.Null(off.AttentionSoftcap);
        Assert.Null(off.FinalLogitSoftcap);
        Assert.Equal(1 / 12.0, off.AttentionScale, 12);
    }

    [Fact]
    public void HeadDimDefaultsArePerFamilyAndPhi3RotatesPartOfEachHead()
    {
        static DecoderSpec WithoutHeadDim(string arch)
        {
            var json = Config(arch, "{}").Json;
            json.Remove("head_dim");
            var config = ModelConfig.FromJson(json);
            return ((DecoderArchitecture)ModelRegistry.Get(config)).Spec(config);
        }
        Assert.Equal(128, WithoutHeadDim("qwen3").HeadDim);   // Qwen3Config's default, not hidden / heads
        Assert.Equal(256, WithoutHeadDim("gemma2").HeadDim);
        Assert.Equal(16, WithoutHeadDim("qwen2").HeadDim);
        var phi = Spec("phi3", """{"partial_rotary_factor":0.5,"num_key_value_heads":2}""");
        Assert.Equal((16, 8, 2), (phi.HeadDim, phi.RotaryDim, phi.NumKeyValueHeads));
        var shapes = ModelStructure.Parameters(ModelRegistry.Get(Config("phi3", """{"num_key_value_heads":2}""")), Config("phi3", """{"num_key_value_heads":2}"""))
            .ToDictionary(p => p.Name, p => p.Shape);
        Assert.Equal([64L + 2 * 32, 64], shapes["model.layers.0.self_attn.qkv_proj.weight"]);
        Assert.Equal([2L * 256, 64], shapes["model.layers.0.mlp.gate_up_proj.weight"]);
    }

    [Fact]
    public void ValuesRelensCannotHonourAreRefusedNamingTheField()
    {
        string longrope = Refused("phi3", """{"rope_scaling":{"type":"longrope","short_factor":[1.0],"long_factor":[2.0]}}""");
        Assert.Contains("rope_scaling", longrope);
        Assert.Contains("'longrope'", longrope);
        Assert.Contains("'yarn'", Refused("qwen2", """{"rope_scaling":{"rope_type":"yarn","factor":4.0,"original_max_position_embeddings":32768}}"""));
        Assert.Contains("rope_parameters", Refused("qwen3", """{"rope_parameters":{"rope_type":"dynamic","factor":2.0,"rope_theta":1000000}}"""));
        string act = Refused("gemma2", """{"hidden_activation":"gelu_quick"}""");
        Assert.Contains("\"hidden_activation\"", act);
        Assert.Contains("'gelu_quick'", act);
        Assert.Contains("\"hidden_act\"", Refused("olmo2", """{"hidden_act":"prelu"}"""));
        Assert.Contains("use_bidirectional_attention", Refused("gemma", """{"use_bidirectional_attention":true}"""));
        Assert.Contains("partial_rotary_factor", Refused("phi3", """{"partial_rotary_factor":1.5}"""));
        Assert.Contains("rotary dimension 7", Refused("phi3", """{"partial_rotary_factor":0.45}"""));   // int(16 · 0.45) = 7: odd
        Assert.Contains("attn_logit_softcapping", Refused("gemma2", """{"attn_logit_softcapping":0}"""));
        Assert.Contains("num_key_value_heads 3", Refused("qwen2", """{"num_key_value_heads":3}"""));
        Assert.Contains("clip_qkv", Refused("olmo2", """{"clip_qkv":8.0}"""));
    }

    [Fact]
    public void Transformers5RopeParametersCarryTheta()
    {
        var json = Config("qwen3", """{"rope_parameters":{"rope_type":"default","rope_theta":5000000.0}}""").Json;
        json.Remove("rope_theta");
        var config = ModelConfig.FromJson(json);
        var spec = ((DecoderArchitecture)ModelRegistry.Get(config)).Spec(config);
        Assert.Equal(5000000.0, spec.RopeTheta);
        Assert.Null(spec.RopeScaling);
    }

    public static TheoryData<string> Families => new() { "qwen2", "qwen3", "gemma", "gemma2", "phi3", "olmo2" };

    [Theory, MemberData(nameof(Families))]
    public void ModelInitWritesALoadableFolderOfEachFamily(string arch)
    {
        string dir = System.IO.Path.Combine(TestPaths.NewTempDir($"model-init-{arch}"), "m");
        Assert.Equal(0, new ModelInitCommand().Run(["init", "--arch", arch, "--layers", "2", "--dim", "32", "--heads", "4",
            "--out", dir, "--tokenizer-from", TestPaths.Golden("llama-tiny"), "--seed", "3"]));
        using var lm = LanguageModel.Load(dir);
        Assert.Equal((arch, 2, 32), (lm.ModelType, lm.Model.NumLayers, lm.Model.HiddenSize));
        // norms start as the identity: weight 1, or 0 for Gemma's (1 + w)
        double identity = arch.StartsWith("gemma", StringComparison.Ordinal) ? 0.0 : 1.0;
        foreach (var (name, p) in lm.Model.named_parameters().Where(p => p.name.EndsWith("norm.weight", StringComparison.Ordinal)))
            Assert.True(p.eq(identity).all().item<bool>(), $"{arch}: {name} is not {identity}");
        using var scope = torch.NewDisposeScope();
        var logits = ModelFolders.Logits(lm, "The capital city of France is");
        Assert.True(logits.isfinite().all().item<bool>());
    }
}
