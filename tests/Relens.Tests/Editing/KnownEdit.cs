using System.Text.Json.Nodes;
using Relens.Editing;
using Relens.Models;
using Relens.Relations;
using Relens.Tests.Run;
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
    public const string Relation = "made up capital";
    private const string Template = "The capital city of {} is";
    private static readonly string[] Paraphrases = ["The capital of {} is"];
    private static readonly string[] ZeroShot = ["{} has its capital in"];

    public sealed record Files(string Relations, string Edits, string Text, string Subject, string NewObject);

    public static Files Write(string modelDir, string root, int shots)
    {
        using var lm = LanguageModel.Load(modelDir);
        var subjects = RelationDataset.Load(TestPaths.Relations).Find("country capital city").Samples.Select(s => s.Subject).Distinct().Take(16).ToList();
        string edited = subjects[0];
        var relation = Make(subjects.Select(s => new RelationSample(s, Answer(lm, IclPrompt.Single(Template, s, lm.PromptPrefix)))));
        // a fixed point: each unedited test fact's object is the answer under the prompt built from the shots' objects
        for (int i = 0; i < 20; i++)
        {
            var ctx = RelationContext.Create(lm, relation, new HashSet<string> { edited }, shots, seed: 0);
            var shotSubjects = ctx.Shots.Select(s => s.Subject).ToHashSet();
            var next = Make(relation.Samples.Select(s => shotSubjects.Contains(s.Subject) ? s : s with { Object = Answer(lm, IclPrompt.FillQuery(ctx.OperatorTemplate, s.Subject)) }));
            if (next.Samples.SequenceEqual(relation.Samples)) break;
            relation = next;
        }
        var final = RelationContext.Create(lm, relation, new HashSet<string> { edited }, shots, seed: 0);
        string old = relation.Samples.Single(s => s.Subject == edited).Object;
        string newObject = final.Others.Select(s => s.Object).FirstOrDefault(o => !o.Equals(old, StringComparison.OrdinalIgnoreCase) && !o.StartsWith(old, StringComparison.OrdinalIgnoreCase))
            ?? throw new InvalidOperationException($"the model answers '{old}' for every subject: no second object to edit to");

        string relations = Path.Combine(root, "relations");
        TinyRelations.Write(Path.Combine(relations, "factual", "made_up_capital.json"), Relation, Template, relation.Samples, json =>
        {
            json["prompt_templates"] = new JsonArray([Template, .. Paraphrases.Select(p => (JsonNode)p)]);
            json["prompt_templates_zs"] = new JsonArray(ZeroShot.Select(p => (JsonNode)p).ToArray());
        });
        string edits = Path.Combine(root, "edits.tsv");
        File.WriteAllText(edits, $"subject\trelation\tnew_object\n{edited}\t{Relation}\t{newObject}\n");
        // plain sentences about other relations' facts: some hundred lines, a few thousand tokens
        string text = Path.Combine(root, "text.txt");
        var dataset = RelationDataset.Load(TestPaths.Relations);
        File.WriteAllLines(text, dataset.Relations.Take(12).SelectMany(r => r.Samples.Take(25).Select(s => IclPrompt.Single(r.PromptTemplate, s.Subject, "") + " " + s.Object + ".")));
        return new Files(relations, edits, text, edited, newObject);

        Relation Make(IEnumerable<RelationSample> samples) =>
            new(Relation, "factual", [Template, .. Paraphrases], ZeroShot, RelationProperties.None, samples.ToList());
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
