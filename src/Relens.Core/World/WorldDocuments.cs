namespace Relens.World;

/// <summary>
/// Renders the kinds of training documents. Each method covers every fact it is given exactly once
/// (ICL documents may repeat a few facts to fill their last document), so one call = one pass.
/// </summary>
public static class WorldDocuments
{
    public const string EndOfText = "<|endoftext|>";

    /// <summary>The paper's ICL format: EOT + template[0] lines of one relation, joined by "\n".</summary>
    public static IEnumerable<string> Icl(WorldRelation r, Random rng, int linesPerDoc) =>
        Mixed(r, rng, linesPerDoc, compactShare: 0);

    /// <summary>
    /// ICL documents where each line is, with probability <paramref name="compactShare"/>, "subject object".
    /// Why: in the template form the object is predicted at the template's last word, so the model can
    /// copy the subject's identity there and look the fact up late (WORLD-PROBES probe 1). In the compact
    /// form the next token after the subject IS the object, and since a line's form is a coin flip, the
    /// model must be ready to emit the object at the subject's last token in ICL context.
    /// </summary>
    /// <param name="alwaysCompact">Facts that never appear in the template form (a held-out split).</param>
    public static IEnumerable<string> Mixed(WorldRelation r, Random rng, int linesPerDoc, double compactShare, Func<WorldFact, bool>? alwaysCompact = null)
    {
        var order = r.Facts.ToList();
        Seeds.Shuffle(order, rng);
        int per = Math.Max(1, Math.Min(linesPerDoc, order.Count));
        for (int start = 0; start < order.Count; start += per)
        {
            var chunk = order.Skip(start).Take(per).ToList();
            // Fill a short last document from the front so every document is a full-length prompt.
            for (int k = 0; chunk.Count < per; k++) chunk.Add(order[k]);
            var lines = chunk.Select(f => (compactShare > 0 && rng.NextDouble() < compactShare) || alwaysCompact?.Invoke(f) == true
                ? f.Subject + " " + f.Object
                : r.IclLine(f));
            yield return EndOfText + string.Join("\n", lines);
        }
    }

    /// <summary>
    /// Entity profiles: each subject with all its facts (across relations), in random order, each in a
    /// random paraphrase (statements and questions), the subject named in every sentence; several
    /// subjects per document, one per line. A fact <paramref name="noTemplate"/> holds for is never phrased with the
    /// relation's template (other paraphrases, or "subject object" if the template is its only one).
    /// </summary>
    public static IEnumerable<string> Profiles(
        IReadOnlyList<(string Subject, IReadOnlyList<(WorldRelation Relation, string Object)> Facts)> entities,
        Random rng, int entitiesPerDoc, Func<WorldRelation, WorldFact, bool>? noTemplate = null)
    {
        var order = entities.ToList();
        Seeds.Shuffle(order, rng);
        for (int start = 0; start < order.Count; start += entitiesPerDoc)
        {
            var profiles = order.Skip(start).Take(entitiesPerDoc).Select(e =>
            {
                var facts = e.Facts.ToList();
                Seeds.Shuffle(facts, rng);
                return string.Join(" ", facts.Select(f =>
                {
                    // a held-out fact: no phrasing that contains the template prompt ("People in {} speak the language of"
                    // contains "People in {} speak"), so the query form is never seen with this subject
                    var allowed = noTemplate?.Invoke(f.Relation, new WorldFact(e.Subject, f.Object)) == true
                        ? f.Relation.Paraphrases.Where(p => !p.Replace("{}", e.Subject).Contains(f.Relation.Prompt(e.Subject), StringComparison.Ordinal))
                            .DefaultIfEmpty("{}").ToList()
                        : f.Relation.Paraphrases;
                    var t = allowed[rng.Next(allowed.Count)];
                    // Sentences keep the template exactly (no capitalising): the subject must stay the same tokens.
                    return t.Replace("{}", e.Subject) + " " + f.Object + ".";
                }));
            });
            yield return EndOfText + string.Join("\n", profiles);
        }
    }
}
