using Relens.Relations;

namespace Relens.Evaluation;

/// <summary>The paper's known-fact filter: a fact is known when the LM's own top-1 next token under the
/// n-shot prompt is a non-trivial prefix of its object.</summary>
public static class KnownFacts
{
    /// <summary>Indices of <paramref name="samples"/> whose prompt (read into <paramref name="states"/>, same order) the LM answers.</summary>
    public static List<int> Indices(Models.LanguageModel lm, PromptStates states, IReadOnlyList<RelationSample> samples) =>
        Enumerable.Range(0, samples.Count).Where(i => IsKnown(lm, states.LmTopIds[i][0], samples[i].Object)).ToList();

    /// <summary>Whether the LM's top-1 token <paramref name="lmTopId"/> answers <paramref name="obj"/> (LRE-METHOD §8).
    /// `relens trace` and `relens edit` select their facts with it too.</summary>
    public static bool IsKnown(Models.LanguageModel lm, int lmTopId, string obj) =>
        PrefixMatch.IsNontrivialPrefix(lm.Tokenizer.Decode(lmTopId), obj);
}
