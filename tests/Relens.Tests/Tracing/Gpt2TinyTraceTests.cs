using Relens.Models;
using Relens.Models.Gpt2;
using Relens.Models.Hooks;
using Relens.Tracing;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Tests.Tracing;

[Trait(TestCategories.Name, TestCategories.Golden)]
public class Gpt2TinyTraceTests
{
    private const string Prompt = "The Eiffel Tower is located in the city of", Subject = "Eiffel Tower";
    private static readonly TraceOptions Small = new() { Samples = 3, Window = 2, KnockoutWindow = 2 };

    [Fact]
    public void WithoutNoiseTheCorruptedRunIsTheCleanRun()
    {
        // Same batch shape as the clean run (one row per pass): bit for bit the clean run.
        using var lm = LanguageModel.Load(TestPaths.Golden("gpt2-tiny"));
        var prompt = TracePrompt.Create(lm, Prompt, Subject);
        var trace = new CausalTracer(lm, Small with { Noise = 0, Samples = 1, MaxCellsPerForward = 1 }).Trace(prompt, TraceKind.State);
        Assert.Equal(trace.Answer.Probability, trace.Corrupted);
        Assert.All(trace.Scores.SelectMany(r => r), p => Assert.Equal(trace.Answer.Probability, p));
    }

    [Fact]
    public void WithoutNoiseBatchedRunsEqualTheCleanRunToRounding()
    {
        // Batched passes (many rows) round differently from a one-row pass in BLAS (float32: ~3e-7 relative on this
        // prompt), so in float64 they agree to rounding, not bit for bit.
        using var lm = LanguageModel.Load(TestPaths.Golden("gpt2-tiny"), ScalarType.Float64);
        var prompt = TracePrompt.Create(lm, Prompt, Subject);
        var trace = new CausalTracer(lm, Small with { Noise = 0 }).Trace(prompt, TraceKind.State);
        Assert.Equal(trace.Answer.Probability, trace.Corrupted, 1e-15);
        Assert.All(trace.Scores.SelectMany(r => r), p => Assert.Equal(trace.Answer.Probability, p, 1e-15));
    }

    /// <summary>The restored run is a batch of two and the clean run a batch of one; in float32 their matmuls may round
    /// differently (seen: 5e-10 absolute on p = 2.7e-4, depending on the BLAS path taken), so this runs in float64,
    /// where the two agree to 1e-15.</summary>
    [Fact]
    public void RestoringEveryStateRecoversTheCleanRun()
    {
        using var lm = LanguageModel.Load(TestPaths.Golden("gpt2-tiny"), ScalarType.Float64);
        var tracer = new CausalTracer(lm, Small);
        var prompt = TracePrompt.Create(lm, Prompt, Subject);
        var clean = tracer.Clean(prompt);
        var everything = new Restoration(Enumerable.Range(0, lm.Model.NumLayers)
            .SelectMany(l => Enumerable.Range(0, prompt.Count).Select(t => (HookNames.ResidPost(l), t))).ToList());
        var p = tracer.Restored(prompt, clean.AnswerId, [new Restoration([]), everything]);
        Assert.NotEqual(clean.Probability, p[0]);   // the noise does change the run
        Assert.Equal(clean.Probability, p[1], 1e-15);
    }

    /// <summary>The newer families through the same hook points. The restored run is a batch of two, whose matmuls
    /// round differently from the clean run's (≈ 1e-7 relative in float32), so this runs in float64.</summary>
    [Theory]
    [InlineData("qwen2-tiny")]
    [InlineData("gemma2-tiny")]
    [InlineData("phi3-tiny")]
    public void RestoringEveryStateRecoversTheCleanRun_NewerFamilies(string golden)
    {
        using var lm = LanguageModel.Load(TestPaths.Golden(golden), ScalarType.Float64);
        var tracer = new CausalTracer(lm, Small);
        var prompt = TracePrompt.Create(lm, Prompt, Subject);
        var clean = tracer.Clean(prompt);
        var everything = new Restoration(Enumerable.Range(0, lm.Model.NumLayers)
            .SelectMany(l => Enumerable.Range(0, prompt.Count).Select(t => (HookNames.ResidPost(l), t))).ToList());
        var p = tracer.Restored(prompt, clean.AnswerId, [new Restoration([]), everything]);
        Assert.True(Math.Abs(clean.Probability - p[0]) > 1e-9 * clean.Probability);   // the noise does change the run
        Assert.True(Math.Abs(clean.Probability - p[1]) < 1e-12 * clean.Probability, $"clean {clean.Probability}, all restored {p[1]}");
    }

    [Fact]
    public void NoiseScaleIsThreeTimesTheStdOfWte()
    {
        using var lm = LanguageModel.Load(TestPaths.Golden("gpt2-tiny"));
        // independently: torch's unbiased std of every entry of the checkpoint's wte
        double std = ((Gpt2Model)lm.Model).transformer.wte.weight.to(ScalarType.Float64).std().item<double>();
        var tracer = new CausalTracer(lm, Small);
        Assert.Equal(3 * std, tracer.Sigma, 9);
        Assert.Equal(std, NoiseScale.EmbeddingStd(lm.Model, chunk: 1000), 9);   // chunking does not matter
    }

    [Fact]
    public void BatchedRestorationsEqualOneAtATime()
    {
        using var lm = LanguageModel.Load(TestPaths.Golden("gpt2-tiny"));
        var prompt = TracePrompt.Create(lm, Prompt, Subject);
        foreach (var kind in new[] { TraceKind.State, TraceKind.Mlp })
        {
            var batched = new CausalTracer(lm, Small).Trace(prompt, kind);
            var single = new CausalTracer(lm, Small with { MaxCellsPerForward = 1 }).Trace(prompt, kind);
            for (int t = 0; t < prompt.Count; t++)
                for (int l = 0; l < lm.Model.NumLayers; l++)
                    Assert.Equal(single.Scores[t][l], batched.Scores[t][l], 6);
        }
        var knockBatched = new CausalTracer(lm, Small).Knockout(prompt);
        var knockSingle = new CausalTracer(lm, Small with { MaxCellsPerForward = 1, Samples = 1 }).Knockout(prompt);
        Assert.Equal(knockSingle.Window, knockBatched.Window, new ToleranceComparer(1e-6));
        Assert.Equal(knockSingle.FromLayer, knockBatched.FromLayer, new ToleranceComparer(1e-6));
    }

    [Fact]
    public void TracingLeavesNoLiveTensors()
    {
        using var lm = LanguageModel.Load(TestPaths.Golden("gpt2-tiny"));
        var tracer = new CausalTracer(lm, Small with { MaxCellsPerForward = 4 });
        var prompt = TracePrompt.Create(lm, Prompt, Subject);
        void Once() { tracer.Trace(prompt, TraceKind.Attn); tracer.Knockout(prompt); }
        Once();
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 3; i++) Once();
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void TokenRolesFollowRome()
    {
        // 10 tokens, subject 3..6: first 3, middle 4 5, last 6, first after 7, further 8, last token 9
        var roles = TokenRoles.Tokens(3, 6, 10);
        Assert.Equal([3], roles[TokenRoles.FirstSubject]);
        Assert.Equal([4, 5], roles[TokenRoles.MiddleSubject]);
        Assert.Equal([6], roles[TokenRoles.LastSubject]);
        Assert.Equal([7], roles[TokenRoles.FirstSubsequent]);
        Assert.Equal([8], roles[TokenRoles.Further]);
        Assert.Equal([9], roles[TokenRoles.Last]);
        // a one-token subject right before the last token: it is first and last subject token; the last token is also
        // the first subsequent one; there are no middle or further tokens
        roles = TokenRoles.Tokens(2, 2, 4);
        Assert.Equal([2], roles[TokenRoles.FirstSubject]);
        Assert.Equal([2], roles[TokenRoles.LastSubject]);
        Assert.Empty(roles[TokenRoles.MiddleSubject]);
        Assert.Equal([3], roles[TokenRoles.FirstSubsequent]);
        Assert.Empty(roles[TokenRoles.Further]);
        Assert.Equal([3], roles[TokenRoles.Last]);
    }

    [Fact]
    public void AveragesAlignPromptsByRole()
    {
        static StateTrace T(int first, int last, double[][] scores) => new(TraceKind.State, "p", "s", new string[scores.Length], first, last,
            new CleanPrediction(0, "a", 1), 0.1, scores, 1, 1, 1, 0);
        var a = T(1, 2, [[0, 0], [1, 2], [3, 4], [5, 6]]);              // first 1, last 2, first after = last token 3
        var b = T(0, 2, [[7, 8], [9, 10], [11, 12], [13, 14], [15, 16], [17, 18]]);
        var avg = AveragedTrace.Of(TraceKind.State, [a, b], 2);
        Assert.Equal([4.0, 5.0], avg.Scores[TokenRoles.FirstSubject]);    // (1+7)/2, (2+8)/2
        Assert.Equal([9.0, 10.0], avg.Scores[TokenRoles.MiddleSubject]);  // b only
        Assert.Equal([7.0, 8.0], avg.Scores[TokenRoles.LastSubject]);     // (3+11)/2
        Assert.Equal([9.0, 10.0], avg.Scores[TokenRoles.FirstSubsequent]);// (5+13)/2
        Assert.Equal([15.0, 16.0], avg.Scores[TokenRoles.Further]);       // b's token 4 only
        Assert.Equal([11.0, 12.0], avg.Scores[TokenRoles.Last]);          // (5+17)/2
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;
        public int GetHashCode(double obj) => 0;
    }
}
