using System.Text.Json.Nodes;
using Relens.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Tests.Models;

/// <summary>The rotary embedding's conventions, independent of any checkpoint (the golden tests check it against HF).</summary>
public class RotaryTests
{
    private static Tensor Positions(params long[] p) => torch.tensor(p, [1, p.Length], ScalarType.Int64);

    /// <summary>Unit vector e_i as one head of one token: [1, 1, 1, hd].</summary>
    private static Tensor Unit(int i, int headDim)
    {
        var x = torch.zeros(1, 1, 1, headDim);
        x[0, 0, 0, i] = 1;
        return x;
    }

    [Theory]
    [InlineData(RotaryLayout.Interleaved, 1)] // GPT-J: feature 0 pairs with 1
    [InlineData(RotaryLayout.Halves, 4)]      // NeoX/LLaMA: feature 0 pairs with r/2
    public void FeatureZeroTurnsTowardsItsPartner(RotaryLayout layout, int partner)
    {
        using var scope = torch.NewDisposeScope();
        var rotary = new RotaryEmbedding(8, 10000, layout);
        const long p = 3;
        var (q, _) = rotary.Apply(Unit(0, 12), Unit(0, 12), Positions(p));
        double angle = p * rotary.InverseFrequencies[0];
        var expected = torch.zeros(12, dtype: ScalarType.Float32);
        expected[0] = Math.Cos(angle);
        expected[partner] = Math.Sin(angle);
        Assert.True(ModelFolders.MaxDiff(expected, q.reshape(12)) < 1e-6, string.Join(", ", q.reshape(12).data<float>().ToArray()));
    }

    [Theory]
    [InlineData(RotaryLayout.Interleaved)]
    [InlineData(RotaryLayout.Halves)]
    public void ScoresDependOnlyOnRelativePositionAndTheTailPassesThrough(RotaryLayout layout)
    {
        using var scope = torch.NewDisposeScope();
        var rotary = new RotaryEmbedding(8, 10000, layout);
        var g = new Generator(7);
        var q = torch.randn(1, 2, 1, 12, generator: g);
        var k = torch.randn(1, 2, 1, 12, generator: g);
        double Score(long qPos, long kPos)
        {
            var (rq, _) = rotary.Apply(q, q, Positions(qPos));
            var (_, rk) = rotary.Apply(k, k, Positions(kPos));
            return (rq * rk).sum().item<float>();
        }
        Assert.Equal(Score(5, 2), Score(105, 102), 4);
        Assert.Equal(Score(9, 9), Score(0, 0), 4);
        Assert.NotEqual(Score(5, 2), Score(5, 3), 3);

        var (r, _) = rotary.Apply(q, k, Positions(41));
        Assert.Equal(0.0, ModelFolders.MaxDiff(q.narrow(-1, 8, 4), r.narrow(-1, 8, 4)));  // partial rotary: features 8..11 untouched
        Assert.True(ModelFolders.MaxDiff(q.narrow(-1, 0, 8).norm(), r.narrow(-1, 0, 8).norm()) < 1e-5); // a rotation keeps norms
        var (r0, _) = rotary.Apply(q, k, Positions(0));
        Assert.True(ModelFolders.MaxDiff(q, r0) < 1e-7, "position 0 is the identity");
    }

    [Fact]
    public void HalfPrecisionInputsRotateInFloat32()
    {
        using var scope = torch.NewDisposeScope();
        var rotary = new RotaryEmbedding(8, 10000, RotaryLayout.Halves);
        var (q, k) = rotary.Apply(torch.ones(1, 1, 1, 8, dtype: ScalarType.BFloat16), torch.ones(1, 1, 1, 8, dtype: ScalarType.Float16), Positions(1000));
        Assert.Equal(ScalarType.Float32, q.dtype);
        Assert.Equal(ScalarType.Float32, k.dtype);
    }

    private static ModelConfig Config(JsonObject? ropeScaling) => ModelConfig.FromJson(
        new JsonObject { ["model_type"] = "llama", ["rope_scaling"] = ropeScaling }, "/m/config.json");

    [Fact]
    public void LinearScalingDividesPositions()
    {
        using var scope = torch.NewDisposeScope();
        var scaling = RopeScaling.From(Config(JsonNode.Parse("""{"type": "linear", "factor": 4.0}""")!.AsObject()));
        Assert.Equal(RopeScaling.Linear, scaling!.Type);
        var scaled = new RotaryEmbedding(8, 10000, RotaryLayout.Halves, scaling);
        var plain = new RotaryEmbedding(8, 10000, RotaryLayout.Halves);
        var x = torch.randn(1, 1, 1, 8, generator: new Generator(1));
        Assert.True(ModelFolders.MaxDiff(scaled.Apply(x, x, Positions(40)).Q, plain.Apply(x, x, Positions(10)).Q) < 1e-6);
    }

    [Fact]
    public void Llama3ScalingKeepsHighFrequenciesAndSlowsLowOnes()
    {
        var scaling = RopeScaling.From(Config(JsonNode.Parse(
            """{"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}""")!.AsObject()))!;
        var scaled = new RotaryEmbedding(128, 500000, RotaryLayout.Halves, scaling).InverseFrequencies;
        var plain = new RotaryEmbedding(128, 500000, RotaryLayout.Halves).InverseFrequencies;
        for (int i = 0; i < plain.Count; i++)
        {
            double wavelength = 2 * Math.PI / plain[i];
            if (wavelength < 8192 / 4.0) Assert.Equal(plain[i], scaled[i]);                      // short: unchanged
            else if (wavelength > 8192 / 1.0) Assert.Equal(plain[i] / 8, scaled[i], 1e-6 * plain[i]); // long: / factor
            else Assert.InRange(scaled[i], plain[i] / 8, plain[i]);                            // between: interpolated
        }
        Assert.Contains(plain, f => 2 * Math.PI / f < 2048);
        Assert.Contains(plain, f => 2 * Math.PI / f > 8192);
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("""{"type": "default"}""", false)]
    [InlineData("""{"type": "linear", "factor": 2.0}""", true)]
    public void SupportedRopeScalings(string? json, bool scaled)
    {
        var config = Config(json is null ? null : JsonNode.Parse(json)!.AsObject());
        Assert.Equal(scaled, RopeScaling.From(config) is not null);
    }

    [Fact]
    public void OtherRopeScalingsAreRefusedNamingTheFile()
    {
        var e = Assert.Throws<RelensException>(() => RopeScaling.From(Config(JsonNode.Parse("""{"type": "dynamic", "factor": 2.0}""")!.AsObject())));
        Assert.Contains("/m/config.json", e.Message);
        Assert.Contains("'dynamic' is not supported", e.Message);
        var missing = Assert.Throws<RelensException>(() => RopeScaling.From(Config(JsonNode.Parse("""{"type": "linear"}""")!.AsObject())));
        Assert.Contains("factor", missing.Message);
    }
}
