namespace Relens.Relations;

/// <summary>
/// The paper's success test for one predicted token (<c>functional.is_nontrivial_prefix</c>) and
/// recall@k built on it (<c>metrics.recall</c>). Used by the known-fact filter, faithfulness and causality.
/// </summary>
public static class PrefixMatch
{
    /// <summary>
    /// True iff the decoded token, lower-cased and stripped, is a non-empty prefix of the lower-cased,
    /// stripped target. A whitespace-only prediction (" ", "\n") strips to "" and is always a miss.
    /// </summary>
    public static bool IsNontrivialPrefix(string predictedToken, string target)
    {
        string p = Normalize(predictedToken);
        return p.Length > 0 && Normalize(target).StartsWith(p, StringComparison.Ordinal);
    }

    /// <summary>True iff any of the predictions passes <see cref="IsNontrivialPrefix"/>.</summary>
    public static bool AnyIsNontrivialPrefix(IEnumerable<string> predictedTokens, string target) =>
        predictedTokens.Any(p => IsNontrivialPrefix(p, target));

    /// <summary>
    /// [recall@1, …, recall@k] with k the longest prediction list: the fraction of samples whose top-i
    /// predictions contain a hit. Empty input gives an empty array (the paper returns None).
    /// </summary>
    public static double[] RecallAtK(IReadOnlyList<IReadOnlyList<string>> predictions, IReadOnlyList<string> targets)
    {
        if (predictions.Count != targets.Count)
            throw new ArgumentException($"{predictions.Count} prediction lists for {targets.Count} targets");
        if (predictions.Count == 0) return [];
        int k = predictions.Max(p => p.Count);
        var recalls = new double[k];
        for (int n = 0; n < predictions.Count; n++)
        {
            // The first hit at rank r counts for recall@r and every larger k.
            int firstHit = predictions[n].ToList().FindIndex(p => IsNontrivialPrefix(p, targets[n]));
            if (firstHit < 0) continue;
            for (int i = firstHit; i < k; i++) recalls[i]++;
        }
        for (int i = 0; i < k; i++) recalls[i] /= targets.Count;
        return recalls;
    }

    /// <summary>Python's <c>s.lower().strip()</c>. Python also strips U+001C–U+001F, which .NET does
    /// not count as white space. (Lower-casing uses .NET's invariant simple case mapping.)</summary>
    internal static string Normalize(string s)
    {
        s = s.ToLowerInvariant();
        int start = 0, end = s.Length;
        while (start < end && IsPythonSpace(s[start])) start++;
        while (end > start && IsPythonSpace(s[end - 1])) end--;
        return s[start..end];
    }

    private static bool IsPythonSpace(char c) => char.IsWhiteSpace(c) || c is >= '\u001c' and <= '\u001f';
}
