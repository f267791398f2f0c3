using Relens.Models;
using Relens.Relations;
using TorchSharp;

namespace Relens.Tests.Runs.Shards;

/// <summary>
/// Relations gpt2-tiny (random weights) "knows", so its sweeps compute real units (with the paper's relations
/// every trial would be skipped): the 33 single-token country and city subjects of four relations, with objects set
/// to the model's own zero-shot answer. Under 1-shot prompts enough of them stay known for most trials (not all:
/// a run on them has both computed and skipped trials).
/// </summary>
public static class Gpt2TinyRelations
{
    public static string Model => TestPaths.Golden("gpt2-tiny");

    public static readonly (string Category, string Name, string Template)[] All =
    [
        ("factual", "tiny capital", "The capital city of {} is"),
        ("factual", "tiny language", "The language spoken in {} is"),
        ("commonsense", "tiny food", "A famous dish from {} is"),
    ];

    /// <param name="subjects">How many subjects each relation gets (fewer: faster sweeps).</param>
    public static string Write(string dir, int count = 3, int subjects = 33)
    {
        using var lm = LanguageModel.Load(Model);
        var pool = new[] { "country_capital_city", "country_language", "city_in_country", "country_currency" }
            .SelectMany(n => RelationLoader.LoadFile(Path.Combine(TestPaths.Relations, "factual", n + ".json")).Samples.Select(s => s.Subject))
            .Where(s => lm.Tokenizer.Encode(" " + s, false).Count == 1).Distinct().Order(StringComparer.Ordinal).Take(subjects).ToList();
        return TinyRelations.WriteFolder(dir, All.Take(count).Select(r => (r.Category, r.Name, r.Template, Answers(lm, r.Template, pool))).ToArray());
    }

    private static IReadOnlyList<RelationSample> Answers(LanguageModel lm, string template, IReadOnlyList<string> subjects) =>
        subjects.Select(s => new RelationSample(s, Answer(lm, IclPrompt.Single(template, s, lm.PromptPrefix)))).Where(f => f.Object.Length > 0).ToList();

    private static string Answer(LanguageModel lm, string prompt)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var ids = lm.Tokenizer.Encode(prompt).Ids;
        var logits = lm.Model.Forward(new ForwardInput { InputIds = torch.tensor(ids.Select(i => (long)i).ToArray(), [1, ids.Length]), Logits = LogitsAt.Last }).Logits!;
        return lm.Tokenizer.Decode((int)logits.argmax(-1).item<long>()).Trim();
    }
}
