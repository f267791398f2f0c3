namespace Relens.World;

/// <summary>The paper's n-shot ICL prompts (LRE-METHOD §2) and its first-token success rule (§1, §4).</summary>
public static class IclPrompts
{
    /// <summary>
    /// "&lt;|endoftext|&gt;" + the shots' "template(s_i) o_i" lines joined by "\n" + "\n" + template(s),
    /// no trailing space. Shots whose subject equals the query subject are dropped.
    /// </summary>
    public static string Build(WorldRelation r, IEnumerable<WorldFact> shots, string subject)
    {
        var lines = shots.Where(f => f.Subject != subject).Select(r.IclLine);
        return WorldDocuments.EndOfText + string.Join("\n", lines) + "\n" + r.Prompt(subject);
    }

    /// <summary><paramref name="count"/> shots for <paramref name="query"/>: other facts of the relation,
    /// drawn without replacement.</summary>
    public static IReadOnlyList<WorldFact> DrawShots(WorldRelation r, WorldFact query, int count, Random rng)
    {
        var pool = r.Facts.Where(f => f.Subject != query.Subject).ToList();
        Seeds.Shuffle(pool, rng);
        return pool.Take(count).ToList();
    }

    /// <summary>The predicted token, lower-cased and stripped, is a non-empty prefix of the lower-cased,
    /// stripped object. A "\n" or " " prediction is therefore always a miss.</summary>
    public static bool IsCorrect(string predictedToken, string obj)
    {
        string p = predictedToken.Trim().ToLowerInvariant();
        return p.Length > 0 && obj.Trim().ToLowerInvariant().StartsWith(p, StringComparison.Ordinal);
    }
}
