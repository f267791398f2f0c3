using Relens.Models;
using Relens.Tracing;

namespace Relens.Tests.Tracing;

/// <summary>Traces of a model whose only subject → answer route is known (<see cref="ReadAtBlockKModel"/>).</summary>
[Trait(TestCategories.Name, TestCategories.Golden)]
public class ConstructedModelTraceTests
{
    private const int K = ReadAtBlockKModel.K;

    [Fact]
    public void KnockoutOfBlockKsWindowDropsTheAnswerToTheNoSubjectBaseline()
    {
        using var lm = ReadAtBlockKModel.Build();
        double clean = ReadAtBlockKModel.Probability(lm, ReadAtBlockKModel.Prompt);
        // the no-subject baseline, independently: the same prompt with the subject replaced by an ordinary token
        double baseline = ReadAtBlockKModel.Probability(lm, ReadAtBlockKModel.Prompt.Replace("Paris", "the"));
        Assert.True(clean > 0.9 && baseline < 1e-3, $"construction: clean {clean}, baseline {baseline}");

        foreach (int window in new[] { 1, 3 })
        {
            var tracer = new CausalTracer(lm, new TraceOptions { KnockoutWindow = window, Window = 1 }, sigma: 0);
            var prompt = TracePrompt.Create(lm, ReadAtBlockKModel.Prompt, ReadAtBlockKModel.Subject);
            var trace = tracer.Knockout(prompt);
            Assert.Equal(ReadAtBlockKModel.AnswerId(lm), trace.Answer.AnswerId);
            Assert.Equal(clean, trace.Answer.Probability, 6);
            for (int l = 0; l < ReadAtBlockKModel.Layers; l++)
            {
                bool coversK = LayerWindow.Around(l, window, ReadAtBlockKModel.Layers).Contains(K);
                Assert.Equal(coversK ? baseline : clean, trace.Window[l], 6);
                Assert.Equal(l <= K ? baseline : clean, trace.FromLayer[l], 6);
            }
            Assert.True(trace.WindowChange[K] < -0.99);
        }
    }

    [Fact]
    public void RestoringTheSubjectStateHelpsOnlyBeforeBlockK()
    {
        using var lm = ReadAtBlockKModel.Build();
        var tracer = new CausalTracer(lm, new TraceOptions { Samples = 10, Window = 1, KnockoutWindow = 1 });
        var prompt = TracePrompt.Create(lm, ReadAtBlockKModel.Prompt, ReadAtBlockKModel.Subject);
        Assert.Equal(prompt.SubjectFirst, prompt.SubjectLast);
        var trace = tracer.Trace(prompt, TraceKind.State);
        double clean = trace.Answer.Probability;
        Assert.True(trace.Corrupted < clean - 0.2, $"the noise should hide the subject: clean {clean}, corrupted {trace.Corrupted}");
        var subjectRow = trace.Scores[prompt.SubjectLast];
        for (int l = 0; l < ReadAtBlockKModel.Layers; l++)
            Assert.Equal(l < K ? clean : trace.Corrupted, subjectRow[l], 5);
        // the answer sits at the last position from block K on: restoring it there recovers the clean run
        var lastRow = trace.Scores[prompt.LastIndex];
        for (int l = 0; l < ReadAtBlockKModel.Layers; l++)
            Assert.Equal(l >= K ? clean : trace.Corrupted, lastRow[l], 5);
    }

    [Fact]
    public void AttentionRestorationFindsBlockKAndMlpRestorationFindsNothing()
    {
        using var lm = ReadAtBlockKModel.Build();
        var tracer = new CausalTracer(lm, new TraceOptions { Samples = 4, Window = 1, KnockoutWindow = 1 });
        var prompt = TracePrompt.Create(lm, ReadAtBlockKModel.Prompt, ReadAtBlockKModel.Subject);
        var attn = tracer.Trace(prompt, TraceKind.Attn);
        var mlp = tracer.Trace(prompt, TraceKind.Mlp);
        for (int l = 0; l < ReadAtBlockKModel.Layers; l++)
        {
            Assert.Equal(l == K ? attn.Answer.Probability : attn.Corrupted, attn.Scores[prompt.LastIndex][l], 5);
            foreach (var row in mlp.Scores) Assert.Equal(mlp.Corrupted, row[l], 6);
        }
    }
}
