using System.Text.Json;
using Relens.Checkpoints;
using TorchSharp;

namespace Relens.Tests.Checkpoints;

/// <summary>The shared Hugging Face checkpoints, read through <see cref="CheckpointLoader"/>.</summary>
[Trait(TestCategories.Name, TestCategories.Golden)]
public class CheckpointGoldenTests
{
    public static TheoryData<string> Models => new() { "gpt2-tiny", "gptj-tiny", "neox-tiny", "llama-tiny" };

    [Theory, MemberData(nameof(Models))]
    public void EveryTensorLoadsAsF32AndMatchesAnIndependentRead(string model)
    {
        string dir = TestPaths.Golden(model), file = Path.Combine(dir, "model.safetensors");
        var (raw, _, _) = RawSafetensors.ReadHeader(file);
        using var checkpoint = CheckpointLoader.Open(dir);

        Assert.Equal(raw.Keys.Order(), checkpoint.TensorNames.Order());
        Assert.Equal(raw.Values.Sum(e => e.End - e.Begin), checkpoint.TotalBytes);
        Assert.Equal("pt", checkpoint.Metadata["format"]);
        foreach (var name in checkpoint.TensorNames)
        {
            using var scope = torch.NewDisposeScope();
            var t = checkpoint.Load(name, torch.ScalarType.Float32);
            Assert.Equal(torch.ScalarType.Float32, t.dtype);
            Assert.Equal(raw[name].Shape, t.shape);
            AssertSameValues(RawSafetensors.ReadF32(file, name), t.data<float>().ToArray(), name);
        }
    }

    private static void AssertSameValues(float[] expected, float[] actual, string name)
    {
        Assert.Equal(expected.Length, actual.Length);
        // Span comparison: xunit's element-wise Assert.Equal is slow on million-element arrays.
        if (expected.AsSpan().SequenceEqual(actual)) return;
        int i = Enumerable.Range(0, expected.Length).First(k => !expected[k].Equals(actual[k]));
        Assert.Fail($"{name}[{i}]: loaded {actual[i]}, file holds {expected[i]}");
    }

    /// <summary>
    /// HF's own hidden_states[0] (golden.json) is the token embedding (+ learned position for GPT-2):
    /// values computed by transformers, not by anything in this repository.
    /// </summary>
    [Theory]
    [InlineData("gpt2-tiny", "transformer.wte.weight", "transformer.wpe.weight")]
    [InlineData("gptj-tiny", "transformer.wte.weight", null)]
    [InlineData("neox-tiny", "gpt_neox.embed_in.weight", null)]
    [InlineData("llama-tiny", "model.embed_tokens.weight", null)]
    public void EmbeddingRowsReproduceHuggingFaceHiddenStateZero(string model, string embedding, string? positions)
    {
        using var golden = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(TestPaths.Golden(model), "golden.json")));
        using var checkpoint = CheckpointLoader.Open(TestPaths.Golden(model));
        using var scope = torch.NewDisposeScope();
        var wte = checkpoint.Load(embedding, torch.ScalarType.Float32);
        var wpe = positions is null ? null : checkpoint.Load(positions, torch.ScalarType.Float32);

        int checkedPrompts = 0;
        foreach (var result in golden.RootElement.GetProperty("results").EnumerateArray())
        {
            var ids = result.GetProperty("input_ids").EnumerateArray().Select(x => x.GetInt64()).ToArray();
            var expected = result.GetProperty("hidden_states_last_pos").GetProperty("0").EnumerateArray().Select(x => x.GetSingle()).ToArray();
            var actual = wte[ids[^1]];
            if (wpe is not null) actual = actual + wpe[ids.Length - 1];
            var got = actual.data<float>().ToArray();
            Assert.Equal(expected.Length, got.Length);
            for (int i = 0; i < got.Length; i++) Assert.True(Math.Abs(expected[i] - got[i]) <= 1e-6, $"{model} prompt {checkedPrompts} [{i}]: {got[i]} vs HF {expected[i]}");
            checkedPrompts++;
        }
        Assert.True(checkedPrompts > 0);
    }

    [Fact]
    public void ASingleSafetensorsFileOpensDirectly()
    {
        string file = Directory.GetFiles(TestPaths.Golden("lre"), "*.safetensors").First();
        var (raw, _, _) = RawSafetensors.ReadHeader(file);
        using var checkpoint = CheckpointLoader.Open(file);
        Assert.Equal(raw.Keys.Order(), checkpoint.TensorNames.Order());
        foreach (var name in checkpoint.TensorNames)
        {
            using var scope = torch.NewDisposeScope();
            AssertSameValues(RawSafetensors.ReadF32(file, name), checkpoint.Load(name, torch.ScalarType.Float32).data<float>().ToArray(), name);
        }
    }

    [Fact]
    public void LoadingTwiceGivesIndependentTensors()
    {
        using var checkpoint = CheckpointLoader.Open(TestPaths.Golden("gpt2-tiny"));
        string name = checkpoint.TensorNames.First();
        using var scope = torch.NewDisposeScope();
        var a = checkpoint.Load(name, torch.ScalarType.Float32);
        var b = checkpoint.Load(name, torch.ScalarType.Float32);
        a.add_(1f);
        Assert.False(TensorAssert.Same(a, b));
    }
}
