using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Relens.Checkpoints;
using Relens.Models;
using static TorchSharp.torch;

namespace Relens.Tests.Models;

/// <summary>LanguageModel.Load estimates what a model needs from config.json and refuses before building anything.</summary>
[Trait(TestCategories.Name, TestCategories.Golden)]
public class ModelMemoryTests
{
    /// <summary>Llama-2-70B's published configuration.</summary>
    private static JsonObject Llama70BConfig() => new()
    {
        ["model_type"] = "llama", ["architectures"] = new JsonArray("LlamaForCausalLM"), ["vocab_size"] = 32000,
        ["hidden_size"] = 8192, ["intermediate_size"] = 28672, ["num_hidden_layers"] = 80, ["num_attention_heads"] = 64,
        ["num_key_value_heads"] = 8, ["hidden_act"] = "silu", ["max_position_embeddings"] = 4096, ["rms_norm_eps"] = 1e-5,
        ["rope_scaling"] = null, ["tie_word_embeddings"] = false, ["torch_dtype"] = "float16", ["bos_token_id"] = 1, ["eos_token_id"] = 2,
    };

    /// <summary>
    /// A 70B LLaMA folder: the real config, a real tokenizer, and F16 shards whose headers list every tensor the
    /// config implies over sparse data areas (SetLength allocates no disk). Only memory can stop it loading.
    /// </summary>
    [Fact]
    public void Fake70BLlamaIsRefusedFromItsConfigQuicklyWithoutAllocating()
    {
        string dir = TestPaths.NewTempDir("fake-llama-70b");
        try
        {
            File.WriteAllText(Path.Combine(dir, "config.json"), Llama70BConfig().ToJsonString());
            foreach (var file in new[] { "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json" })
                File.Copy(Path.Combine(TestPaths.Golden("llama-tiny"), file), Path.Combine(dir, file));
            var config = ModelConfig.Load(dir);
            var parameters = ModelStructure.Parameters(ModelRegistry.Get(config), config, ScalarType.Float16);
            WriteSparseShards(dir, parameters, shardBytes: 10L << 30);

            long checkpointElements;
            using (var checkpoint = CheckpointLoader.Open(dir))
                checkpointElements = checkpoint.TensorNames.Sum(n => checkpoint.Entry(n).ElementCount);
            var estimate = MemoryEstimate.For(ModelRegistry.Get(config), config, ScalarType.Float16);
            Assert.Equal(68_976_648_192L, estimate.ParameterCount); // Llama-2-70B's published parameter count
            Assert.Equal(checkpointElements, estimate.ParameterCount);
            Assert.Equal(2 * estimate.ParameterCount, estimate.ParameterBytes);
            Assert.True(estimate.TotalBytes > MemoryGuard.AvailableBytes(), "this machine could load a 70B model in F16; the test proves nothing here");

            long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            var clock = Stopwatch.StartNew();
            var e = Assert.Throws<RelensException>(() => LanguageModel.Load(dir, ScalarType.Float16));
            clock.Stop();
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"refusing took {clock.Elapsed}");
            Assert.True(GC.GetAllocatedBytesForCurrentThread() - allocatedBefore < 50_000_000, "refusing allocated managed memory");
            // the config-based guard spoke, before the checkpoint's own check or any module was built
            Assert.Contains(dir, e.Message);
            Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"llama model of {estimate.ParameterCount:N0} parameters as F16"), e.Message);
            Assert.Contains($"needs {MemoryGuard.Gib(estimate.TotalBytes)} of memory but only", e.Message);
            Assert.Contains("working margin", e.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true); // ~140 GB of apparent size
        }
    }

    private static void WriteSparseShards(string dir, IReadOnlyList<ParameterShape> parameters, long shardBytes)
    {
        var shards = new List<List<ParameterShape>>();
        long current = 0;
        foreach (var p in parameters)
        {
            long bytes = p.ElementCount * 2;
            if (shards.Count == 0 || current + bytes > shardBytes) { shards.Add([]); current = 0; }
            shards[^1].Add(p);
            current += bytes;
        }
        var weightMap = new Dictionary<string, string>();
        for (int s = 0; s < shards.Count; s++)
        {
            string file = $"model-{s + 1:D5}-of-{shards.Count:D5}.safetensors";
            var header = new Dictionary<string, object>();
            long offset = 0;
            foreach (var p in shards[s])
            {
                long bytes = p.ElementCount * 2;
                header[p.Name] = new { dtype = "F16", shape = p.Shape, data_offsets = new[] { offset, offset + bytes } };
                offset += bytes;
                weightMap[p.Name] = file;
            }
            var json = JsonSerializer.SerializeToUtf8Bytes(header);
            using var f = File.Create(Path.Combine(dir, file));
            f.Write(BitConverter.GetBytes((ulong)json.Length));
            f.Write(json);
            f.SetLength(8 + json.Length + offset);
        }
        File.WriteAllBytes(Path.Combine(dir, CheckpointLoader.IndexFileName), JsonSerializer.SerializeToUtf8Bytes(new { weight_map = weightMap }));
    }

    [Theory]
    [InlineData("gpt2-tiny")]
    [InlineData("gptj-tiny")]
    [InlineData("neox-tiny")]
    [InlineData("llama-tiny")]
    [InlineData("qwen2-tiny")]
    [InlineData("gemma2-tiny")]
    [InlineData("phi3-tiny")]
    public void EstimateCountsWhatTheCheckpointHoldsWithTheStatedMargin(string model)
    {
        var config = ModelConfig.Load(TestPaths.Golden(model));
        var architecture = ModelRegistry.Get(config);
        var f32 = MemoryEstimate.For(architecture, config, ScalarType.Float32);
        var f16 = MemoryEstimate.For(architecture, config, ScalarType.Float16);
        using (var checkpoint = CheckpointLoader.Open(TestPaths.Golden(model)))
        {
            // these tiny checkpoints hold exactly the parameters (no buffers, no tied copies)
            Assert.Equal(checkpoint.TensorNames.Sum(n => checkpoint.Entry(n).ElementCount), f32.ParameterCount);
            Assert.Equal(checkpoint.TotalBytes, f32.ParameterBytes);
        }
        Assert.Equal(f32.ParameterBytes / 2, f16.ParameterBytes);
        Assert.Equal((long)(f32.ParameterBytes * MemoryEstimate.SlackFraction) + MemoryEstimate.ActivationBytes, f32.WorkingBytes);
        Assert.Equal(f32.ParameterBytes + f32.LoadBufferBytes + f32.WorkingBytes, f32.TotalBytes);
        Assert.True(f32.TotalBytes < MemoryGuard.AvailableBytes());
    }

    [Fact]
    public void IntegerDtypeIsRefused()
    {
        var e = Assert.Throws<RelensException>(() => LanguageModel.Load(TestPaths.Golden("gpt2-tiny"), ScalarType.Int32));
        Assert.Contains("float32, float16, bfloat16 or float64", e.Message);
    }
}
