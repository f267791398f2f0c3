using Relens.Tokenization;

namespace Relens.Relations;

/// <summary>
/// Guessing baselines over a relation's objects, compared by their first token because faithfulness
/// only looks at the first predicted token.
/// </summary>
public static class ObjectBaselines
{
    /// <summary>
    /// The chance baseline of the per-relation faithfulness figure (red ticks): Σ_o p(o)², where p is
    /// the frequency of each first object token among <paramref name="objects"/> (one entry per
    /// sample; the paper uses all the relation's samples). It is the hit rate of guessing a random
    /// sample's object for a random sample.
    /// </summary>
    public static double Chance<TKey>(IReadOnlyList<string> objects, Func<string, TKey> firstToken) where TKey : notnull
    {
        var counts = Counts(objects, firstToken);
        double n = objects.Count;
        return counts.Values.Sum(c => (double)c * c) / (n * n);
    }

    /// <summary>The hit rate of always answering the most frequent first object token: max_o p(o)
    /// (the paper's notebook has this as a commented-out alternative to <see cref="Chance{TKey}"/>).</summary>
    public static double Majority<TKey>(IReadOnlyList<string> objects, Func<string, TKey> firstToken) where TKey : notnull =>
        (double)Counts(objects, firstToken).Values.Max() / objects.Count;

    /// <summary>
    /// Maps an object to its first token id as the paper's notebook does: the object encoded on its
    /// own, without a leading space, ignoring the tokenizer's added special tokens (LLaMA's BOS).
    /// </summary>
    public static Func<string, int> FirstTokenId(ITokenizer tokenizer) => obj =>
    {
        var ids = tokenizer.Encode(obj, addSpecialTokens: false).Ids;
        return ids.Length > 0 ? ids[0] : throw new RelensException($"object '{obj}' encodes to no tokens");
    };

    private static Dictionary<TKey, int> Counts<TKey>(IReadOnlyList<string> objects, Func<string, TKey> key) where TKey : notnull
    {
        if (objects.Count == 0) throw new ArgumentException("no objects given", nameof(objects));
        var counts = new Dictionary<TKey, int>();
        foreach (var o in objects)
        {
            var k = key(o);
            counts[k] = counts.GetValueOrDefault(k) + 1;
        }
        return counts;
    }
}
