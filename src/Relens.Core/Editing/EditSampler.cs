using Relens.Evaluation;
using Relens.Relations;
using Relens.World;

namespace Relens.Editing;

/// <summary>
/// Draws edits for the experiment (seeded): facts the unedited model knows under its n-shot prompt, each given as
/// new object another object of the same relation that the model knows for at least two other subjects (the LRE
/// edit takes z′ from such a subject; the second is a margin for the shots that move when edited subjects leave
/// the split; an object that an edit moves to keeps two such holders however many later edits are drawn, so a
/// batch of the pool's first N still finds them). Relations take turns, so a batch of 100 spreads over all of them; a relation keeps more than
/// 2n + 2 unedited facts and 3 known facts more than the known-fact rule needs (n + 1), so it can still be met.
/// </summary>
public static class EditSampler
{
    public static IReadOnlyList<EditRequest> Draw(EditSession session, int count, EditOptions o)
    {
        var lm = session.Lm;
        var taught = WorldFactsFile.TryRead(lm.Directory);
        var rng = new Random((int)o.Seed + 1);
        var pools = new List<Queue<EditRequest>>();
        foreach (var relation in session.Dataset.Relations.Where(r => taught is null || taught.ContainsKey(r.Name)))
        {
            if (relation.Samples.Count <= 2 * o.Shots + 2) continue;
            var ctx = RelationContext.Create(lm, relation, new HashSet<string>(), o.Shots, o.Seed);
            var top1 = session.Top1(ctx.OtherPrompts(lm));
            var known = Enumerable.Range(0, ctx.Others.Count).Where(i => KnownFacts.IsKnown(lm, top1[i], ctx.Others[i].Object)).ToList();
            // each edit takes a known fact out of the relation's test facts; keep a margin of 3 over the known-fact rule
            int budget = Math.Min(relation.Samples.Count - (2 * o.Shots + 2), known.Count - (o.Shots + 1) - 3);
            var picked = Pick(known.Select(i => (ctx.Others[i].Object, lm.Tokenizer.Decode(top1[i]))).ToList(), budget, rng);
            var queue = new Queue<EditRequest>(picked.Select(p => new EditRequest(ctx.Others[known[p.Fact]].Subject, relation.Name, p.NewObject, "")));
            if (queue.Count > 0) pools.Add(queue);
        }
        var drawn = new List<EditRequest>();
        var turns = pools.OrderBy(_ => rng.Next()).ToList();
        while (drawn.Count < count && turns.Any(q => q.Count > 0))
            foreach (var q in turns)
                if (q.Count > 0 && drawn.Count < count)
                {
                    var e = q.Dequeue();
                    drawn.Add(e with { Source = $"drawn edit {drawn.Count + 1}" });
                }
        return drawn;
    }

    /// <summary>
    /// One relation's edits, in drawing order: <paramref name="known"/> facts (object, the model's answer) in a seeded
    /// order, each given a new object that at least two other unedited known facts have. An edited fact no longer counts
    /// as a holder of its object, and a fact is not edited when that would leave an object some earlier edit moves to
    /// with fewer than two holders: so for every prefix of the result (a batch), every new object keeps two holders.
    /// </summary>
    internal static List<(int Fact, string NewObject)> Pick(IReadOnlyList<(string Object, string Answer)> known, int budget, Random rng)
    {
        var holders = known.GroupBy(f => f.Object, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.Count(), StringComparer.OrdinalIgnoreCase);
        var targeted = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var picked = new List<(int, string)>();
        foreach (int i in Enumerable.Range(0, known.Count).OrderBy(_ => rng.Next()))
        {
            if (picked.Count >= budget) break;
            var (old, answer) = known[i];
            if (targeted.Contains(old) && holders[old] <= 2) continue;
            var choices = holders.Where(kv => kv.Value >= 2 && !kv.Key.Equals(old, StringComparison.OrdinalIgnoreCase)
                && !PrefixMatch.IsNontrivialPrefix(answer, kv.Key)).Select(kv => kv.Key).Order(StringComparer.Ordinal).ToList();
            if (choices.Count == 0) continue;
            string target = choices[rng.Next(choices.Count)];
            holders[old]--;   // an edited subject can no longer lend z′ for its old object
            targeted.Add(target);
            picked.Add((i, target));
        }
        return picked;
    }
}
