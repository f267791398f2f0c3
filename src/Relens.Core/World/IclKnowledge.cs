using Relens.Relations;
using Relens.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.World;

public sealed record FactOutcome(string Relation, string Subject, string Object, string Predicted, bool Correct);

/// <summary>Top-1 first-token accuracy on n-shot ICL prompts, overall (over facts) and per relation.</summary>
public sealed record KnowledgeReport(double Overall, IReadOnlyDictionary<string, double> PerRelation, IReadOnlyList<FactOutcome> Facts)
{
    public double WorstRelation => PerRelation.Values.DefaultIfEmpty(0).Min();

    /// <summary>The same measure over the facts <paramref name="keep"/> holds for (e.g. a held-out split); relations without such facts drop out.</summary>
    public KnowledgeReport Subset(Func<FactOutcome, bool> keep) => From(Facts.Where(keep).ToList());

    public static KnowledgeReport From(IReadOnlyList<FactOutcome> outcomes) => new(
        outcomes.Count == 0 ? 0 : outcomes.Average(o => o.Correct ? 1.0 : 0.0),
        outcomes.GroupBy(o => o.Relation).ToDictionary(g => g.Key, g => g.Average(o => o.Correct ? 1.0 : 0.0)),
        outcomes);
}

/// <summary>
/// Does the model know the world's facts? Each fact is asked with an 8-shot prompt of other facts of
/// its relation (shots drawn with a fixed seed), and the model's argmax next token is judged by the
/// paper's prefix rule.
/// </summary>
public static class IclKnowledge
{
    /// <param name="model">ids [B,T] int64 → logits [B,T,V].</param>
    public static KnowledgeReport Measure(nn.Module<Tensor, Tensor> model, ITokenizer tokenizer,
        IReadOnlyList<WorldRelation> relations, int shots = 8, int seed = 1, int batchSize = 32)
    {
        var asked = new List<(WorldRelation R, WorldFact F, int[] Ids)>();
        foreach (var r in relations)
        {
            var rng = Seeds.Rng(seed, 3, Fnv(r.Id));
            foreach (var f in r.Facts)
                asked.Add((r, f, tokenizer.Encode(Prompt(r, DrawShots(r, f, shots, rng), f.Subject)).Ids));
        }
        var outcomes = new List<FactOutcome>();
        for (int start = 0; start < asked.Count; start += batchSize)
        {
            var chunk = asked.Skip(start).Take(batchSize).ToList();
            var next = NextTokens(model, chunk.Select(c => c.Ids).ToList());
            for (int i = 0; i < chunk.Count; i++)
            {
                string predicted = tokenizer.Decode(next[i]);
                outcomes.Add(new FactOutcome(chunk[i].R.Name, chunk[i].F.Subject, chunk[i].F.Object, predicted,
                    PrefixMatch.IsNontrivialPrefix(predicted, chunk[i].F.Object)));
            }
        }
        return KnowledgeReport.From(outcomes);
    }

    /// <summary>The paper's n-shot prompt (<see cref="IclPrompt.Build"/>, with GPT-2's EOS prefix) over a world relation's facts.</summary>
    public static string Prompt(WorldRelation r, IEnumerable<WorldFact> shots, string subject) =>
        IclPrompt.Build(r.Template, subject, shots.Select(f => new RelationSample(f.Subject, f.Object)), WorldDocuments.EndOfText);

    /// <summary><paramref name="count"/> shots for <paramref name="query"/>: other facts of the relation, drawn without replacement.</summary>
    public static IReadOnlyList<WorldFact> DrawShots(WorldRelation r, WorldFact query, int count, Random rng)
    {
        var pool = r.Facts.Where(f => f.Subject != query.Subject).ToList();
        Seeds.Shuffle(pool, rng);
        return pool.Take(count).ToList();
    }

    /// <summary>
    /// Argmax next token after each prompt. Prompts are right-padded into one batch: with causal
    /// attention and positions counted from the left, padding after a prompt's end cannot change its
    /// logits, so no mask or position ids are needed.
    /// </summary>
    public static int[] NextTokens(nn.Module<Tensor, Tensor> model, IReadOnlyList<int[]> prompts)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        int T = prompts.Max(p => p.Length);
        var data = new long[prompts.Count * T];
        for (int i = 0; i < prompts.Count; i++)
            for (int t = 0; t < prompts[i].Length; t++) data[i * T + t] = prompts[i][t];
        var logits = model.call(torch.tensor(data, new long[] { prompts.Count, T }));   // [B, T, V]
        var last = torch.tensor(prompts.Select(p => (long)p.Length - 1).ToArray());
        var rows = logits[torch.arange(prompts.Count), last];                              // [B, V]
        return rows.argmax(-1).data<long>().Select(v => (int)v).ToArray();
    }

    // Stable per-relation stream number for the shot RNG (string.GetHashCode is randomised per process).
    internal static long Fnv(string s)
    {
        ulong h = 14695981039346656037UL;
        foreach (char c in s) { h ^= c; h *= 1099511628211UL; }
        return (long)(h >> 1);
    }
}
