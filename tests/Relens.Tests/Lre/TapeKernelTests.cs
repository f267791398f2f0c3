using Relens.Lre;
using Relens.Models;
using Relens.Models.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Tests.Lre;

/// <summary>
/// The linearized Jacobian's building blocks against autograd on random float64 inputs, including what GPT-2
/// does not exercise (grouped-query attention, RMSNorm, SiLU) so the LLaMA/NeoX/GPT-J tapes can rely on them.
/// </summary>
public class TapeKernelTests
{
    private static double MaxRelative(Tensor a, Tensor reference) =>
        (a - reference).abs().max().item<double>() / Math.Max(1e-12, reference.abs().max().item<double>());

    [Theory]
    [InlineData(4, 4)] // multi-head
    [InlineData(4, 2)] // grouped-query: each KV head serves two query heads
    public void AttentionVjpEqualsAutogradWithPaddingAndSuffixes(int heads, int kvHeads)
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(3);
        long prompts = 2, n = 6, hd = 3, b = 5;
        var q = torch.randn(prompts, heads, n, hd, dtype: ScalarType.Float64);
        var k = torch.randn(prompts, kvHeads, n, hd, dtype: ScalarType.Float64);
        var v = torch.randn(prompts, kvHeads, n, hd, dtype: ScalarType.Float64);
        var padding = torch.tensor(new long[] { 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 }, [prompts, n]); // prompt 0 is left-padded by 2
        var ctx = new AttentionContext
        {
            PositionIds = AttentionMasks.PositionIds(prompts, n, 0, padding),
            Mask = AttentionMasks.Build(prompts, n, 0, padding, ScalarType.Float64),
        };
        long[] from = [3, 1]; // suffixes of 3 and 5 positions
        const double scale = 0.37;
        var tapes = AttentionTape.Record(q, k, v, ctx, 0, scale, [new TapeGroup(0, 1, from[0]), new TapeGroup(1, 1, from[1])], out var output);
        var reference = AttentionKernel.Attend(q, k, v, ctx, 0, scale);
        Assert.True(MaxRelative(output, reference) < 1e-12);

        for (int p = 0; p < prompts; p++)
        {
            long T = n - from[p];
            foreach (long t in new[] { T, 1L }) // all suffix positions carry a cotangent, or only the last (the top block)
            {
                var g = torch.randn(b, t, heads * hd, dtype: ScalarType.Float64);
                var (gq, gk, gv) = tapes[p].Backward(g);
                for (int row = 0; row < b; row++)
                {
                    using var rowScope = torch.NewDisposeScope();
                    using var grad = torch.enable_grad();
                    var (ql, kl, vl) = (q.clone().requires_grad_(true), k.clone().requires_grad_(true), v.clone().requires_grad_(true));
                    var outP = AttentionKernel.Attend(ql, kl, vl, ctx, 0, scale)[p].narrow(0, n - t, t);
                    var grads = torch.autograd.grad([(outP * g[row]).sum()], [ql, kl, vl]);
                    var refQ = grads[0][p].narrow(1, n - t, t).permute(1, 0, 2);  // [t, H, hd]
                    var refK = grads[1][p].narrow(1, n - T, T).permute(1, 0, 2);  // [T, Hkv, hd]
                    var refV = grads[2][p].narrow(1, n - T, T).permute(1, 0, 2);
                    Assert.True(MaxRelative(gq[row], refQ) < 1e-10, $"q, prompt {p}, t {t}");
                    Assert.True(MaxRelative(gk[row], refK) < 1e-10, $"k, prompt {p}, t {t}");
                    Assert.True(MaxRelative(gv[row], refV) < 1e-10, $"v, prompt {p}, t {t}");
                }
            }
        }
    }

    /// <summary>Prompts stacked into one tape (one group) give each prompt's own cotangents, rows p·B.. for prompt p.</summary>
    [Theory]
    [InlineData(4, 4)]
    [InlineData(4, 1)]
    public void AttentionVjpOfStackedPromptsEqualsEachPromptAlone(int heads, int kvHeads)
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(4);
        long prompts = 3, n = 5, hd = 3, b = 4, from = 2;
        var q = torch.randn(prompts, heads, n, hd, dtype: ScalarType.Float64);
        var k = torch.randn(prompts, kvHeads, n, hd, dtype: ScalarType.Float64);
        var v = torch.randn(prompts, kvHeads, n, hd, dtype: ScalarType.Float64);
        var padding = torch.ones(prompts, n, dtype: ScalarType.Int64);
        var ctx = new AttentionContext
        {
            PositionIds = AttentionMasks.PositionIds(prompts, n, 0, padding),
            Mask = AttentionMasks.Build(prompts, n, 0, padding, ScalarType.Float64),
        };
        // prompts 1 and 2 stacked; prompt 0 stays outside the group
        var stacked = AttentionTape.Record(q, k, v, ctx, 0, 0.5, [new TapeGroup(1, 2, from)], out _)[0];
        var alone = AttentionTape.Record(q, k, v, ctx, 0, 0.5, [new TapeGroup(1, 1, from), new TapeGroup(2, 1, from)], out _);
        foreach (long t in new[] { n - from, 1L })
        {
            var g = torch.randn(2 * b, t, heads * hd, dtype: ScalarType.Float64);
            var together = stacked.Backward(g);
            for (int p = 0; p < 2; p++)
            {
                var own = alone[p].Backward(g.narrow(0, p * b, b));
                Assert.True(MaxRelative(together.Q.narrow(0, p * b, b), own.Q) < 1e-12, $"q, prompt {p}, t {t}");
                Assert.True(MaxRelative(together.K.narrow(0, p * b, b), own.K) < 1e-12, $"k, prompt {p}, t {t}");
                Assert.True(MaxRelative(together.V.narrow(0, p * b, b), own.V) < 1e-12, $"v, prompt {p}, t {t}");
            }
        }
    }

    /// <summary>A norm tape of several prompts' rows scales each prompt's cotangents by that prompt's own statistics.</summary>
    [Fact]
    public void NormVjpOfStackedPromptsEqualsEachPromptAlone()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(8);
        long tokens = 3, d = 8, b = 2;
        var x = torch.randn(2, tokens, d, dtype: ScalarType.Float64) * 2 + 0.5;
        var gamma = torch.randn(d, dtype: ScalarType.Float64);
        var stacked = NormTape.LayerNorm(x, gamma, 1e-5);
        foreach (long t in new[] { tokens, 1L })
        {
            var g = torch.randn(2 * b, t, d, dtype: ScalarType.Float64);
            var together = stacked.BackwardInPlace(g.clone());
            for (int p = 0; p < 2; p++)
            {
                var own = NormTape.LayerNorm(x.narrow(0, p, 1), gamma, 1e-5).BackwardInPlace(g.narrow(0, p * b, b).clone());
                Assert.True(MaxRelative(together.narrow(0, p * b, b), own) < 1e-12, $"prompt {p}, t {t}");
            }
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void NormVjpEqualsAutograd(bool layerNorm)
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(5);
        long tokens = 4, d = 16, b = 3;
        var x = torch.randn(1, tokens, d, dtype: ScalarType.Float64) * 3 + 1;
        var gamma = torch.randn(d, dtype: ScalarType.Float64);
        Func<Tensor, Tensor> norm = layerNorm
            ? t => nn.functional.layer_norm(t, [d], gamma, torch.randn(d, dtype: ScalarType.Float64), 1e-5)
            : t => { using var s = torch.NewDisposeScope(); return (gamma * (t * torch.rsqrt(t.pow(2).mean([-1], keepdim: true) + 1e-6))).MoveToOuterDisposeScope(); };
        var tape = layerNorm ? NormTape.LayerNorm(x, gamma, 1e-5) : NormTape.RmsNorm(x, gamma, 1e-6);
        foreach (long t in new[] { tokens, 2L })
        {
            var g = torch.randn(b, t, d, dtype: ScalarType.Float64);
            var result = tape.BackwardInPlace(g.clone());
            for (int row = 0; row < b; row++)
            {
                using var grad = torch.enable_grad();
                var xl = x.clone().requires_grad_(true);
                var reference = torch.autograd.grad([(norm(xl).narrow(1, tokens - t, t) * g[row]).sum()], [xl])[0][0].narrow(0, tokens - t, t);
                Assert.True(MaxRelative(result[row], reference) < 1e-10, $"{(layerNorm ? "LayerNorm" : "RMSNorm")}, t {t}");
            }
        }
    }

    [Fact]
    public void RmsNormTapeMatchesTheModelsLayer()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(6);
        var layer = new RmsNormLayer(8, 1e-6, ScalarType.Float64);
        using (torch.no_grad()) layer.weight.copy_(torch.randn(8, dtype: ScalarType.Float64));
        var x = torch.randn(1, 3, 8, dtype: ScalarType.Float64);
        var g = torch.randn(2, 3, 8, dtype: ScalarType.Float64);
        var result = NormTape.RmsNorm(x, layer.weight, 1e-6).BackwardInPlace(g.clone());
        using var grad = torch.enable_grad();
        for (int row = 0; row < 2; row++)
        {
            var xl = x.clone().requires_grad_(true);
            var reference = torch.autograd.grad([(layer.forward(xl) * g[row]).sum()], [xl])[0][0];
            Assert.True(MaxRelative(result[row], reference) < 1e-10);
        }
    }

    [Theory]
    [InlineData("gelu_new")]
    [InlineData("gelu")]
    [InlineData("silu")]
    public void ActivationSlopeEqualsAutograd(string name)
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(7);
        var act = Activations.Get(name, "config.json");
        var u = torch.randn(2, 5, 6, dtype: ScalarType.Float64) * 2;
        var tapes = ActivationTape.Record(act, u, [new TapeGroup(0, 1, 1), new TapeGroup(1, 1, 4)], out var output);
        Assert.Equal(0.0, (output - act(u)).abs().max().item<double>());
        var g = torch.randn(3, 4, 6, dtype: ScalarType.Float64);
        var result = tapes[0].BackwardInPlace(g.clone());
        using var grad = torch.enable_grad();
        var ul = u.clone().requires_grad_(true);
        for (int row = 0; row < 3; row++)
        {
            var reference = torch.autograd.grad([(act(ul)[0].narrow(0, 1, 4) * g[row]).sum()], [ul], retain_graph: true)[0][0].narrow(0, 1, 4);
            Assert.True(MaxRelative(result[row], reference) < 1e-12, name);
        }
    }
}
