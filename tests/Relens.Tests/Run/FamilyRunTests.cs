using Relens.Cli.Commands;
using Relens.Models;
using Relens.Relations;
using Relens.Reporting;
using TorchSharp;

namespace Relens.Tests.Run;

/// <summary>`relens run --only` one relation on each newer-family golden folder: one trial, one layer, one β.</summary>
public class FamilyRunTests
{
    private const string Template = "The capital city of {} is";

    /// <summary>
    /// Random-weight models know no real capitals, so the relation's object is the token the model itself predicts
    /// most often after the zero-shot prompts: the known-fact filter then keeps facts and the run computes LREs.
    /// </summary>
    private static List<RelationSample> ModalFacts(LanguageModel lm)
    {
        var subjects = RelationDataset.Load(TestPaths.Relations).Find("country capital city").Samples.Select(s => s.Subject).Distinct().Take(24).ToList();
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var answers = subjects.Select(s =>
        {
            var ids = lm.Tokenizer.Encode(IclPrompt.Single(Template, s, lm.PromptPrefix)).Ids;
            var logits = lm.Model.Forward(new ForwardInput { InputIds = torch.tensor(ids.Select(i => (long)i).ToArray(), [1, ids.Length]), Logits = LogitsAt.Last }).Logits!;
            return lm.Tokenizer.Decode((int)logits.argmax(-1).item<long>()).Trim();
        }).Where(a => a.Length > 0).ToList();
        string modal = answers.GroupBy(a => a).OrderByDescending(g => g.Count()).First().Key;
        return subjects.Select(s => new RelationSample(s, modal)).ToList();
    }

    [Theory]
    [InlineData("qwen2-tiny")]
    [InlineData("gemma2-tiny")]
    [InlineData("phi3-tiny")]
    public void RunOnOneRelationComputesAnLre(string model)
    {
        string root = TestPaths.NewTempDir($"family-run-{model}");
        string relations;
        using (var lm = LanguageModel.Load(TestPaths.Golden(model)))
            relations = TinyRelations.WriteFolder(Path.Combine(root, "relations"), ("factual", "modal capital", Template, ModalFacts(lm)));
        string output = Path.Combine(root, "out");
        var command = new RunCommand(null, new StringWriter());
        int code = command.Run(["--model", TestPaths.Golden(model), "--relations", relations, "--only", "modal capital", "--trials", "1",
            "--shots", "3", "--layers", "1", "--betas", "2.25", "--ranks", "full", "--out", output, "--no-progress"]);
        Assert.Equal(0, code);
        var summary = new RunFolder(output).LoadSummary();
        var relation = Assert.Single(summary.Relations);
        Assert.Equal(1, relation.ValidTrials);
        Assert.InRange(relation.Faithfulness, 0.0, 1.0);
        using var lmAgain = LanguageModel.Load(TestPaths.Golden(model));
        using var lre = new RunFolder(output).LoadLre("modal capital", lmAgain);
        Assert.Equal("1", lre.Layer.ToString());
        Assert.True(lre.Weight.isfinite().all().item<bool>() && lre.Weight.abs().max().item<float>() > 0);
    }
}
