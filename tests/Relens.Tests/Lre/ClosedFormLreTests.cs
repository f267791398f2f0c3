using System.Text.Json.Nodes;
using Relens.Evaluation;
using Relens.Lre;
using Relens.Models;
using Relens.Relations;
using Relens.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Tests.Lre;

/// <summary>
/// On a model whose path from the embedding to z is exactly affine (<see cref="ShiftLinearModel"/>), the
/// estimator must return the true W and b, faithfulness must be 1.0, and the full-rank edit must always work.
/// </summary>
[Trait(TestCategories.Name, TestCategories.Golden)]
public class ClosedFormLreTests
{
    private const string Template = "The capital city of {} is";

    [Fact]
    public void RecoversTrueWeightAndBias_FaithfulnessOne_FullRankEditsAlwaysWork()
    {
        var (lm, model) = LinearWorld.Build();
        using var _ = lm;
        using var scope = torch.NewDisposeScope();
        var facts = LinearWorld.Facts(lm, Template);
        Assert.True(facts.Count >= 12, $"need enough single-token subjects, got {facts.Count}");
        var train = facts.Take(8).ToList();
        var test = facts.Skip(8).ToList();

        using var lre = LreEstimator.Estimate(lm, "closed form", Template, train, LayerRef.Embedding, beta: 1.0);
        // z = e(" is") + (A1 + A2)·h + c1 + A2·A1·e(" of") + A2·c1 + c2, for h = the subject's embedding
        var trueW = model.A(0) + model.A(1);
        var tok = lm.Tokenizer;
        var embed = (string text) => { var id = tok.Encode(text, false).Ids.Single(); return EmbeddingOf(model, id); };
        var trueB = embed(" is") + model.C(0) + model.A(1).matmul(model.A(0).matmul(embed(" of"))) + model.A(1).matmul(model.C(0)) + model.C(1);
        double wErr = ((lre.Weight.to(ScalarType.Float64) - trueW).norm() / trueW.norm()).item<double>();
        double bErr = ((lre.Bias.to(ScalarType.Float64) - trueB).norm() / trueB.norm()).item<double>();
        Assert.True(wErr < 1e-6, $"W relative error {wErr:E2}");
        Assert.True(bErr < 1e-6, $"b relative error {bErr:E2}");

        // faithfulness on the held-out subjects
        var prompts = test.Select(s => SubjectPrompt.Create(lm, IclPrompt.FillQuery(lre.Info.PromptTemplate, s.Subject), s.Subject)).ToList();
        using var states = PromptStates.Read(lm, prompts, [LayerRef.Embedding]);
        var faith = Faithfulness.Evaluate(lm, lre, states.H(LayerRef.Embedding), states, test);
        Assert.Equal(1.0, faith.Recall1);

        // causality at full rank: Δ = W⁻¹(z′ − z) turns h into h′ exactly
        var pairs = Enumerable.Range(0, test.Count).Select(i => (i, (i + 1) % test.Count))
            .Where(p => test[p.Item1].Object != test[p.Item2].Object).ToList();
        Assert.NotEmpty(pairs);
        using var causality = new Causality(lre);
        var full = causality.Evaluate(lm, prompts, test, states.Z, pairs, [(int)lre.Dim]).Single();
        Assert.Equal(1.0, full.Efficacy);
        // and rank 0 (no edit) never succeeds, since every pair changes the object
        Assert.Equal(0.0, causality.Evaluate(lm, prompts, test, states.Z, pairs, [0]).Single().Efficacy);
    }

    private static Tensor EmbeddingOf(ShiftLinearModel model, int id)
    {
        using var noGrad = torch.no_grad();
        return model.Embed(torch.tensor(new long[] { id }).view(1, 1), torch.zeros(1, 1, dtype: ScalarType.Int64)).view(-1);
    }
}
