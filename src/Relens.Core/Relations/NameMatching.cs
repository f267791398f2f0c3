namespace Relens.Relations;

/// <summary>Loose name comparison for lookups and "did you mean" hints in error messages.</summary>
internal static class NameMatching
{
    /// <summary>Lower case, with '_', '-' and runs of white space read as one space, so that
    /// "country capital city", "country_capital_city" and "Country-Capital-City" compare equal.</summary>
    public static string Normalize(string name)
    {
        var parts = name.ToLowerInvariant()
            .Split([' ', '_', '-', '\t', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries);
        return string.Join(' ', parts);
    }

    /// <summary>Up to <paramref name="max"/> candidates close to <paramref name="query"/>: those
    /// containing it (or contained in it) first, then by edit distance within a third of the length.</summary>
    public static IReadOnlyList<string> Closest(string query, IEnumerable<string> candidates, int max)
    {
        string q = Normalize(query);
        return candidates
            .Select(c => (c, n: Normalize(c)))
            .Select(x => (x.c, score: q.Length > 0 && (x.n.Contains(q) || q.Contains(x.n)) ? 0 : EditDistance(q, x.n)))
            .Where(x => x.score <= Math.Max(2, Math.Max(q.Length, 3) / 3))
            .OrderBy(x => x.score).ThenBy(x => x.c, StringComparer.Ordinal)
            .Select(x => x.c).Distinct().Take(max).ToList();
    }

    private static int EditDistance(string a, string b)
    {
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) prev[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (int j = 1; j <= b.Length; j++)
                cur[j] = Math.Min(Math.Min(cur[j - 1], prev[j]) + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (prev, cur) = (cur, prev);
        }
        return prev[b.Length];
    }
}
