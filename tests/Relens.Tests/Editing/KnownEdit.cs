using System.Text.Json.Nodes;
using Relens.Editing;
using Relens.Evaluation;
using Relens.Lre;
using Relens.Models;
using Relens.Relations;
using Relens.Tests.Runs;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Tests.Editing;

/// <summary>
/// An edit that `relens edit` can plan on a random-weight model: a relation whose objects are the model's own answers
/// under the very n-shot prompt the edit uses (shots drawn from the unedited facts, <see cref="RelationContext"/>), so
/// every unedited fact is known, and a new object that another known subject has (z′ comes from it). Written as a
/// relations folder, an edits TSV (one line) and a text file (for the key statistics and perplexity).
/// </summary>
internal static class KnownEdit
{
    public const string Relation = "made up relation";

    public sealed record Files(string Relations, string Edits, string Text, string Subject, string NewObject);

    /// <summary>The first relation of the dataset (its templates and subjects) on which the model's answers give at least
    /// two objects among the unedited test facts: the LRE edit's rank is chosen by causality between them.</summary>
    public static Files Write(string modelDir, string root, int shots)
    {
        using var lm = LanguageModel.Load(modelDir);
        var dataset = RelationDataset.Load(TestPaths.Relations);
        foreach (var source in dataset.Relations.Where(r => r.PromptTemplates.Count >= 2))
        {
            var subjects = source.Samples.Select(s => s.Subject).Distinct().Take(16).ToList();
            if (subjects.Count < 16) continue;
            if (TryMake(lm, source, subjects, shots) is not { } made) continue;
            var (relation, edited, newObject) = made;
            string relations = Path.Combine(root, "relations");
            TinyRelations.Write(Path.Combine(relations, "factual", "made_up_relation.json"), Relation, relation.PromptTemplate, relation.Samples, json =>
            {
                json["prompt_templates"] = new JsonArray(relation.PromptTemplates.Select(p => (JsonNode)p).ToArray());
                json["prompt_templates_zs"] = new JsonArray(relation.ZeroShotTemplates.Select(p => (JsonNode)p).ToArray());
            });
            string edits = Path.Combine(root, "edits.tsv");
            File.WriteAllText(edits, $"subject\trelation\tnew_object\n{edited}\t{Relation}\t{newObject}\n");
            // plain sentences about other relations' facts: some hundred lines, a few thousand tokens
            string text = Path.Combine(root, "text.txt");
            File.WriteAllLines(text, dataset.Relations.Take(12).SelectMany(r => r.Samples.Take(25).Select(s => IclPrompt.Single(r.PromptTemplate, s.Subject, "") + " " + s.Object + ".")));
            return new Files(relations, edits, text, edited, newObject);
        }
        throw new InvalidOperationException($"no relation on which {modelDir} gives two different answers");
    }

    private static (Relation Relation, string Edited, string NewObject)? TryMake(LanguageModel lm, Relation source, List<string> subjects, int shots)
    {
        string edited = subjects[0];
        var relation = Make(subjects.Select(s => new RelationSample(s, Answer(lm, IclPrompt.Single(source.PromptTemplate, s, lm.PromptPrefix)))));
        // a fixed point: each unedited test fact's object is the answer under the prompt built from the shots' objects
        // (the split is balanced by object, so the shots move with the objects: a relation that does not settle is passed over)
        bool settled = false;
        for (int i = 0; i < 20 && !settled; i++)
        {
            var ctx = RelationContext.Create(lm, relation, new HashSet<string> { edited }, shots, seed: 0);
            // read as the planner and the evaluation read them: the unedited test prompts in one batch, the edit prompt alone
            var answers = Answers(lm, ctx.OtherPrompts(lm)).Zip(ctx.Others, (a, s) => (s.Subject, a))
                .Append((edited, Answers(lm, [ctx.Prompt(lm, edited)])[0])).ToDictionary(x => x.Item1, x => x.Item2);
            var next = Make(relation.Samples.Select(s => answers.TryGetValue(s.Subject, out var a) ? s with { Object = a } : s));
            settled = next.Samples.SequenceEqual(relation.Samples);
            relation = next;
        }
        if (!settled) return null;
        var final = RelationContext.Create(lm, relation, new HashSet<string> { edited }, shots, seed: 0);
        var objects = final.Others.Select(s => s.Object).Where(o => o != "?").Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        string old = relation.Samples.Single(s => s.Subject == edited).Object;
        string? newObject = objects.FirstOrDefault(o => !o.Equals(old, StringComparison.OrdinalIgnoreCase) && !o.StartsWith(old, StringComparison.OrdinalIgnoreCase));
        return objects.Count >= 2 && newObject is not null && old != "?" ? (relation, edited, newObject) : null;

        Relation Make(IEnumerable<RelationSample> samples) =>
            new(Relation, "factual", source.PromptTemplates, source.ZeroShotTemplates, RelationProperties.None, samples.ToList());
    }

    private static string[] Answers(LanguageModel lm, IReadOnlyList<SubjectPrompt> prompts)
    {
        using var states = PromptStates.Read(lm, prompts, [], topK: 1);
        return states.LmTopIds.Select(t => lm.Tokenizer.Decode(t[0]).Trim() is { Length: > 0 } a ? a : "?").ToArray();
    }

    private static string Answer(LanguageModel lm, string prompt)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var ids = lm.Tokenizer.Encode(prompt).Ids;
        var logits = lm.Model.Forward(new ForwardInput { InputIds = torch.tensor(ids.Select(i => (long)i).ToArray(), [1, ids.Length]), Logits = LogitsAt.Last }).Logits!;
        var answer = lm.Tokenizer.Decode((int)logits.argmax(-1).item<long>()).Trim();
        return answer.Length > 0 ? answer : "?";
    }
}
