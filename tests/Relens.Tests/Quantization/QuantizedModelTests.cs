using System.Text.Json.Nodes;
using Relens.Checkpoints;
using Relens.Lre;
using Relens.Models;
using Relens.Models.Layers;
using Relens.Quantization;
using Relens.Relations;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Relens.Tests.Quantization;

/// <summary>Quantised models: logits against float32, the Jacobian on packed weights, packed sizes, the written folder.</summary>
[Trait(TestCategories.Name, TestCategories.Golden)]
public class QuantizedModelTests(ITestOutputHelper output)
{
    private static readonly string[] Prompts = ["The capital city of France is", "Hello, my name is", "1 2 3 4 5 6"];

    /// <summary>Largest |logit difference| over every position and vocabulary entry of <see cref="Prompts"/>.</summary>
    private static double MaxLogitDifference(LanguageModel a, LanguageModel b)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        double worst = 0;
        foreach (var p in Prompts)
        {
            var ids = torch.tensor(a.Tokenizer.Encode(p).Ids.Select(i => (long)i).ToArray()).unsqueeze(0);
            var la = a.Model.Forward(new ForwardInput { InputIds = ids, Logits = LogitsAt.All }).Logits!;
            var lb = b.Model.Forward(new ForwardInput { InputIds = ids, Logits = LogitsAt.All }).Logits!;
            worst = Math.Max(worst, (la - lb).abs().max().item<float>());
        }
        return worst;
    }

    [Fact]
    public void Q8_0LogitsOfGpt2TinyStayWithin0Point1OfFloat32()
    {
        using var f32 = LanguageModel.Load(TestPaths.Golden("gpt2-tiny"));
        using var q8 = LanguageModel.Load(TestPaths.Golden("gpt2-tiny"), quantization: new QuantizeOptions(QuantScheme.Q8_0));
        Assert.All(ModelQuantizer.Targets(q8.Model), t => Assert.NotNull(t.Layer.Packed));
        double diff = MaxLogitDifference(f32, q8);
        output.WriteLine($"gpt2-tiny q8_0: max |Δlogit| = {diff:E3}");
        Assert.True(diff > 0, "quantised logits equal float32 ones: nothing was quantised");
        Assert.True(diff < 0.1, $"max |Δlogit| {diff:E3}");
    }

    /// <summary>
    /// llama-tiny's MLP is 172 wide, not a multiple of 32, so `--quantize` refuses it (naming down_proj). Zero-padding
    /// the MLP to 192 (20 gate/up rows and down columns of zeros: silu(0)·0 = 0) gives the same function at float32, which
    /// q8_0 then accepts.
    /// </summary>
    [Fact]
    public void Q8_0LogitsOfLlamaTinyPaddedTo192StayWithin0Point1OfFloat32()
    {
        var e = Assert.Throws<RelensException>(() => LanguageModel.Load(TestPaths.Golden("llama-tiny"), quantization: new QuantizeOptions(QuantScheme.Q8_0)));
        Assert.Contains("'model.layers.0.mlp.down_proj.weight' [64 out × 172 in]", e.Message);
        Assert.Contains("not divisible by the group size 32", e.Message);

        using var f32 = LanguageModel.Load(TestPaths.Golden("llama-tiny"));
        using var padded = Padded(f32, 192);
        double same = MaxLogitDifference(f32, padded);
        Assert.True(same < 1e-5, $"padding changed the float32 logits by {same:E2}");
        padded.Quantize(new QuantizeOptions(QuantScheme.Q8_0));
        double diff = MaxLogitDifference(f32, padded);
        output.WriteLine($"llama-tiny (MLP padded 172 → 192) q8_0: max |Δlogit| = {diff:E3}");
        Assert.True(diff > 0, "nothing was quantised");
        Assert.True(diff < 0.1, $"max |Δlogit| {diff:E3}");
    }

    private static LanguageModel Padded(LanguageModel lm, int inner)
    {
        var json = (JsonObject)lm.Config.Json.DeepClone();
        json["intermediate_size"] = inner;
        var config = ModelConfig.FromJson(json);
        var model = ModelRegistry.Get(config).Create(config, ScalarType.Float32);
        var source = lm.Model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        using var noGrad = torch.no_grad();
        foreach (var (name, p) in model.named_parameters())
        {
            var s = source[name];
            p.zero_();
            var slice = (Tensor)p;
            for (int d = 0; d < s.dim(); d++) slice = slice.narrow(d, 0, s.shape[d]);
            slice.copy_(s);
        }
        return new LanguageModel(model, lm.Tokenizer, config, lm.Directory);
    }

    [Theory]
    [InlineData(QuantScheme.Q4_0)]
    [InlineData(QuantScheme.Nf4)]
    public void TheLinearizedJacobianOnPackedWeightsEqualsTheReplicatedOne(QuantScheme scheme)
    {
        // float64 model, weights packed: the tapes' VJPs read dequantised views, autograd runs the packed forward
        using var lm = LanguageModel.Load(TestPaths.Golden("gpt2-tiny"), ScalarType.Float64, new QuantizeOptions(scheme));
        using var scope = torch.NewDisposeScope();
        var examples = new[] { new RelationSample("China", "Beijing"), new RelationSample("Peru", "Lima") };
        var prompt = SubjectPrompt.Create(lm, IclPrompt.Build("The capital city of {} is", "Peru", examples, lm.PromptPrefix), "Peru");
        var layers = LayerRef.All(lm.Model.NumLayers).ToList();
        Assert.True(SubjectJacobian.IsLinearized(lm.Model));
        var all = SubjectJacobian.ComputeAllLayers(lm.Model, prompt, layers, new JacobianOptions { Method = JacobianMethod.Linearized });
        using var f64 = LanguageModel.Load(TestPaths.Golden("gpt2-tiny"), ScalarType.Float64);
        foreach (var layer in layers.Take(layers.Count - 1))
        {
            var reference = ReplicatedJacobian.Compute(lm.Model, prompt, layer, new JacobianOptions { Method = JacobianMethod.Replicated, ChunkSize = 16 });
            var j = reference.Jacobian.to(ScalarType.Float64);
            double error = (all[layer].Jacobian.to(ScalarType.Float64) - j).norm().item<double>() / j.norm().item<double>();
            Assert.True(error < 1e-9, $"{scheme}, layer {layer}: linearized vs replicated {error:E2}");
            // and it is the quantised model's Jacobian, not the float one's
            var floatJ = ReplicatedJacobian.Compute(f64.Model, prompt, layer, new JacobianOptions { Method = JacobianMethod.Replicated, ChunkSize = 16 }).Jacobian.to(ScalarType.Float64);
            Assert.True((floatJ - j).norm().item<double>() > 1e-6 * j.norm().item<double>(), $"{scheme}, layer {layer}: equals the float Jacobian");
        }
    }

    [Fact]
    public void TheMemoryEstimateCountsPackedBytesOfA12x768Gpt2()
    {
        var config = ModelTemplates.Config("gpt2", new ModelShape(12, 768, 12, 50257));
        var architecture = ModelRegistry.Get(config);
        var f32 = MemoryEstimate.For(architecture, config, ScalarType.Float32);
        long blockLinear = 12L * (768 * 2304 + 768 * 768 + 2 * 768 * 3072) * 4;   // the float32 bytes --quantize packs
        foreach (var (scheme, bound) in new[] { (QuantScheme.Q8_0, 0.30), (QuantScheme.Q4_0, 0.17), (QuantScheme.Nf4, 0.17) })
        {
            var q = MemoryEstimate.For(architecture, config, ScalarType.Float32, new QuantizeOptions(scheme));
            long packed = q.ParameterBytes - (f32.ParameterBytes - blockLinear);
            double ratio = packed / (double)blockLinear;
            output.WriteLine($"{scheme.Name()}: packed {packed} of {blockLinear} float32 bytes = {ratio:F4}; whole model {q.ParameterBytes / (double)f32.ParameterBytes:F4}");
            Assert.Equal(scheme.GroupBytes() / (scheme.GroupSize() * 4.0), ratio, 12);
            Assert.True(ratio <= bound);
            Assert.Contains($"packed as {scheme.Name()}", q.Describe());
        }
    }

    [Fact]
    public void A13BLlamaThatDoesNotFitAtFloat32FitsAt4Bits()
    {
        var json = new JsonObject
        {
            ["model_type"] = "llama", ["vocab_size"] = 32000, ["hidden_size"] = 5120, ["intermediate_size"] = 13824,
            ["num_hidden_layers"] = 40, ["num_attention_heads"] = 40, ["num_key_value_heads"] = 40, ["hidden_act"] = "silu",
            ["max_position_embeddings"] = 4096, ["rms_norm_eps"] = 1e-5, ["tie_word_embeddings"] = false,
        };
        var config = ModelConfig.FromJson(json);
        var architecture = ModelRegistry.Get(config);
        var machine = new MemorySnapshot(24L << 30, null, null);
        var f32 = MemoryEstimate.For(architecture, config, ScalarType.Float32);
        Assert.Throws<RelensException>(() => MemoryGuard.EnsureFits(f32.TotalBytes, "float32", machine));
        var q4 = MemoryEstimate.For(architecture, config, ScalarType.Float32, new QuantizeOptions(QuantScheme.Q4_0));
        MemoryGuard.EnsureFits(q4.TotalBytes, "q4_0", machine);
        output.WriteLine($"Llama-2-13B shape: float32 {MemoryGuard.Gib(f32.TotalBytes)}, q4_0 {MemoryGuard.Gib(q4.TotalBytes)}");
    }

    [Fact]
    public void ModelQuantizeWritesTheWeightsAQuantisedLoadUses()
    {
        string dir = TestPaths.NewTempDir("model-quantize");
        string outDir = Path.Combine(dir, "q4");
        Assert.Equal(0, new Relens.Cli.Commands.ModelQuantizeCommand().Run(["--model", TestPaths.Golden("gpt2-tiny"), "--scheme", "q4_0", "--out", outDir]));
        var about = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "quantization.json")))!;
        Assert.Equal("q4_0", (string?)about["scheme"]);
        Assert.Equal(16, about["quantized_tensors"]!.AsArray().Count);   // 4 blocks × c_attn, attn.c_proj, c_fc, mlp.c_proj
        Assert.True(File.Exists(Path.Combine(outDir, "tokenizer.json")));
        using var written = LanguageModel.Load(outDir);
        using var packed = LanguageModel.Load(TestPaths.Golden("gpt2-tiny"), quantization: new QuantizeOptions(QuantScheme.Q4_0));
        // the written weights are the packed ones' dequantised values, bit for bit
        using (var scope = torch.NewDisposeScope())
        {
            var stored = written.Model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
            foreach (var (name, layer) in ModelQuantizer.Targets(packed.Model))
                Assert.True((stored[name] - layer.Weight()).abs().max().item<float>() == 0, $"{name} differs from its dequantised packed values");
        }
        // (the logits differ in float rounding only: a packed Conv1D multiplies by a transposed view)
        Assert.True(MaxLogitDifference(written, packed) < 1e-5);
        using var f32 = LanguageModel.Load(TestPaths.Golden("gpt2-tiny"));
        Assert.True(MaxLogitDifference(written, f32) > 0);
        // a second write into the same folder is refused before loading anything
        var e = Assert.Throws<RelensException>(() => new Relens.Cli.Commands.ModelQuantizeCommand().Run(["--model", TestPaths.Golden("gpt2-tiny"), "--scheme", "q4_0", "--out", outDir]));
        Assert.Contains("already holds files", e.Message);
    }

    [Fact]
    public void PackedLayersLeakNoTensors()
    {
        using var lm = LanguageModel.Load(TestPaths.Golden("gpt2-tiny"), quantization: new QuantizeOptions(QuantScheme.Nf4));
        var ids = torch.tensor(new long[] { 464, 3139, 286 }).unsqueeze(0);
        using (var warm = torch.NewDisposeScope()) lm.Model.Forward(new ForwardInput { InputIds = ids, Logits = LogitsAt.Last });
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        using (var scope = torch.NewDisposeScope())
            lm.Model.Forward(new ForwardInput { InputIds = ids, Logits = LogitsAt.Last });
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        ids.Dispose();
    }
}
