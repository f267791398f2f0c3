using Relens.Relations;

namespace Relens.Evaluation;

/// <summary>The paper's known-fact filter: a fact is known when the LM's own top-1 next token under the
/// n-shot prompt is a non-trivial prefix of its object.</summary>
public static class KnownFacts
{
    /// <summary>Indices of <paramref name="samples"/> whose prompt (read into <paramref name="states"/>, same order) the LM answers.</summary>
    public static List<int> Indices(Models.LanguageModel lm, PromptStates states, IReadOnlyList<RelationSample> samples) =>
        Enumerable.Range(0, samples.Count)
            .Where(i => PrefixMatch.IsNontrivialPrefix(lm.Tokenizer.Decode(states.LmTopIds[i][0]), samples[i].Object)).ToList();
}
