using System.Text.Json.Nodes;
using Relens.Editing;
using Relens.Lre;
using Relens.Models;
using Relens.Models.Hooks;
using Relens.Relations;
using Relens.Tests.Lre;
using Relens.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Tests.Editing;

/// <summary>
/// On <see cref="ShiftMlpModel"/>, whose path from layer 0 to z is exactly affine, the LRE-guided rank-one edit of
/// block 0's MLP output projection must move the subject's layer-0 state by exactly Δh = W⁺(z′ − z), so that z becomes
/// z′ and the prompt answers o′; and it must leave every key that is C-orthogonal to k* unchanged.
/// </summary>
public class ClosedFormEditTests
{
    private const string Template = "The capital city of {} is";

    /// <summary>A <see cref="ShiftMlpModel"/> on GPT-2's tokenizer: its path from layer 0 to z is exactly affine.</summary>
    private static (ShiftMlpModel Model, LanguageModel Lm) AffineModel()
    {
        var tokenizer = TokenizerLoader.FromDirectory(TestPaths.Golden("gpt2-tiny"));
        var model = new ShiftMlpModel(tokenizer.VocabSize, dim: 16, hidden: 24, seed: 7);
        return (model, new LanguageModel(model, tokenizer, ModelConfig.FromJson(new JsonObject { ["model_type"] = "shift-mlp-test" }), "(in memory)"));
    }

    /// <summary>The relation of <paramref name="facts"/>, and an edit of its first subject whose new object is the answer of
    /// a subject left among the unedited facts.</summary>
    private static (Relation Relation, EditRequest Request) EditOfFirstFact(LanguageModel lm, List<RelationSample> facts)
    {
        var relation = new Relation("mlp capital", "factual", [Template], [], RelationProperties.None, facts);
        var source = facts[0];
        var ctx = RelationContext.Create(lm, relation, new HashSet<string> { source.Subject }, shots: 8, seed: 0);
        var newObject = ctx.Others.First(s => s.Object != source.Object).Object;
        return (relation, new EditRequest(source.Subject, relation.Name, newObject, "test line 1"));
    }

    [Fact]
    public void RankZeroSaysTheEditChangesNothing()
    {
        var (_, created) = AffineModel();
        using var lm = created;
        using var scope = torch.NewDisposeScope();
        var (relation, request) = EditOfFirstFact(lm, LinearWorld.Facts(lm, Template));
        var log = new List<string>();
        var plan = EditPlanner.Plan(lm, [relation], [request], new EditOptions { Layer = LayerRef.At(0), Rank = 0, Shots = 8 }, log.Add);

        Assert.All(Assert.Single(plan.Edits).Delta, x => Assert.Equal(0f, x));
        Assert.Contains(log, l => l.StartsWith("warning: mlp capital: rank 0 (--rank 0), so Δh = 0", StringComparison.Ordinal));
    }

    [Fact]
    public void RankOneEdit_HitsTargetStateExactly_AndLeavesCOrthogonalKeysAlone()
    {
        var (model, created) = AffineModel();
        using var lm = created;
        using var scope = torch.NewDisposeScope();
        var facts = LinearWorld.Facts(lm, Template);
        Assert.True(facts.Count >= 14, $"need enough single-token subjects, got {facts.Count}");
        var (relation, request) = EditOfFirstFact(lm, facts);
        var source = facts[0];
        var plan = EditPlanner.Plan(lm, [relation], [request], new EditOptions { Layer = LayerRef.At(0), Rank = 16, Shots = 8 });
        var edit = Assert.Single(plan.Edits);

        var prompt = edit.Context.Prompt(lm, source.Subject);
        var (h0, z0) = Read(lm, prompt);
        var kLast = SubjectKeysAt(lm, prompt, prompt.LastIndex);
        var zTarget = torch.stack(edit.TargetSubjects.Select(s => Read(lm, edit.Context.Prompt(lm, s)).Z).ToArray()).mean([0]);
        var kStar = SubjectKeys.Mean(lm, 0, edit.Context.KeyPrompts(lm, source.Subject));
        var text = facts.Select(f => IclPrompt.Single(Template, f.Subject, lm.PromptPrefix) + " " + f.Object).ToList();
        var (c, count) = KeyStatistics.Estimate(lm, 0, text);
        Assert.True(count > 24, $"{count} keys for a 24×24 covariance");

        using var changes = WeightChanges.ForLre(lm, plan.Edits, _ => c, lambda: 1.0);
        var before = model.MlpOut.clone();
        model.MlpOut.copy_(changes.Values["mlp_out"]);
        var deltaW = model.MlpOut - before;

        // the subject's state moved by exactly Δh; z moved by W·Δh = z′ − z (up to W's float32 storage), plus what the
        // edited projection does at the last token itself (its key is not C-orthogonal to k*): z1 = z′ + ΔW·k_last
        var (h1, z1) = Read(lm, prompt);
        var dh = torch.tensor(edit.Delta).to(ScalarType.Float64);
        double hErr = ((h1 - h0 - dh).norm() / dh.norm()).item<double>();
        Assert.True(hErr < 1e-10, $"state change off by {hErr:E2} of ‖Δh‖");
        double zErr = ((z1 - torch.matmul(deltaW, kLast) - zTarget).norm() / (zTarget - z0).norm()).item<double>();
        Assert.True(zErr < 1e-5, $"z off z′ + ΔW·k_last by {zErr:E2} of ‖z′ − z‖");

        // keys C-orthogonal to k* (kᵀC⁻¹k* = 0) are mapped exactly as before
        var cInvK = torch.linalg.solve(c, kStar.unsqueeze(1)).squeeze(1);
        var g = new Generator(3);
        for (int i = 0; i < 5; i++)
        {
            var k = torch.randn(24, generator: g, dtype: ScalarType.Float64);
            var kPerp = k - torch.dot(k, cInvK) / torch.dot(kStar, cInvK) * kStar;
            double change = (torch.matmul(deltaW, kPerp).norm() / (deltaW.norm() * kPerp.norm())).item<double>();
            Assert.True(change < 1e-12, $"a C-orthogonal key moved by {change:E2}");
        }
        // and k* itself is mapped to W k* + Δh
        Assert.True((torch.matmul(deltaW, kStar) - dh).norm().item<double>() < 1e-10 * dh.norm().item<double>());
    }

    private static Tensor SubjectKeysAt(LanguageModel lm, SubjectPrompt prompt, int position)
    {
        using var noGrad = torch.no_grad();
        using var capture = new ActivationCapture(lm.Model.HookPoints, [HookNames.MlpPost(0)]);
        lm.Model.Forward(new ForwardInput { InputIds = torch.tensor(prompt.Tokens.Ids.Select(i => (long)i).ToArray(), [1, prompt.Tokens.Count]), Logits = LogitsAt.None });
        return capture[HookNames.MlpPost(0)][0, position].clone();
    }

    /// <summary>h at layer 0 at the subject's last token and z, float64, one prompt alone.</summary>
    private static (Tensor H, Tensor Z) Read(LanguageModel lm, SubjectPrompt prompt)
    {
        using var noGrad = torch.no_grad();
        using var capture = new ActivationCapture(lm.Model.HookPoints, [HookNames.ResidPost(0)]);
        var ids = torch.tensor(prompt.Tokens.Ids.Select(i => (long)i).ToArray(), [1, prompt.Tokens.Count]);
        var z = lm.Model.Forward(new ForwardInput { InputIds = ids, Logits = LogitsAt.None }).LastBlockOutput[0, -1];
        return (capture[HookNames.ResidPost(0)][0, prompt.SubjectIndex].clone(), z);
    }
}
