using System.Text.Json.Nodes;
using Relens.Models;
using Relens.Relations;
using Relens.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Tests.Lre;

/// <summary>A <see cref="ShiftLinearModel"/> with GPT-2's tokenizer, and "facts" it knows by construction.</summary>
public static class LinearWorld
{
    public static (LanguageModel Lm, ShiftLinearModel Model) Build(int dim = 16, long seed = 7)
    {
        var tokenizer = TokenizerLoader.FromDirectory(TestPaths.Golden("gpt2-tiny"));
        var model = new ShiftLinearModel(tokenizer.VocabSize, dim, layers: 2, seed);
        var config = ModelConfig.FromJson(new JsonObject { ["model_type"] = "shift-linear-test" });
        return (new LanguageModel(model, tokenizer, config, "(in memory)"), model);
    }

    /// <summary>Country-capital subjects that are one GPT-2 token, with objects set to the model's own answers
    /// (which do not depend on the shots, so every fact is "known" under any prompt).</summary>
    public static List<RelationSample> Facts(LanguageModel lm, string template)
    {
        var subjects = RelationDataset.Load(TestPaths.Relations).Find("country capital city").Samples
            .Select(s => s.Subject).Where(s => lm.Tokenizer.Encode(" " + s, false).Count == 1).Distinct().ToList();
        var facts = new List<RelationSample>();
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        foreach (var s in subjects)
        {
            var ids = lm.Tokenizer.Encode(IclPrompt.Single(template, s, lm.PromptPrefix)).Ids;
            var logits = lm.Model.Forward(new ForwardInput { InputIds = torch.tensor(ids.Select(i => (long)i).ToArray(), [1, ids.Length]), Logits = LogitsAt.Last }).Logits!;
            var answer = lm.Tokenizer.Decode((int)logits.argmax(-1).item<long>()).Trim();
            if (answer.Length > 0) facts.Add(new RelationSample(s, answer));
        }
        return facts;
    }

    public static Relation Relation(LanguageModel lm, string template = "The capital city of {} is") =>
        new("linear capital", "factual", [template], [], RelationProperties.None, Facts(lm, template));
}
