namespace Relens.Relations;

/// <summary>A causality (editing) test: make the model say <see cref="Target"/>'s object for <see cref="Source"/>'s subject.</summary>
public sealed record EditPair(RelationSample Source, RelationSample Target);

/// <summary>Edit targets for the causality metric (the paper's <c>functional.random_edit_targets</c>).</summary>
public static class CausalityTargets
{
    /// <summary>
    /// Pairs each known test sample (s, o) with a uniformly drawn other known sample (s′, o′) with
    /// s′ ≠ s and o′ ≠ o. A sample with no such partner is left out (the paper logs and skips it).
    /// One draw per listed sample, in order; a (subject, object) pair listed twice ends up with the
    /// later draw for both copies, as the paper's dictionary keyed by sample does.
    /// Returns one pair per listed sample that has a partner, in the order of <paramref name="knownTestSamples"/>.
    /// </summary>
    public static IReadOnlyList<EditPair> Pair(IReadOnlyList<RelationSample> knownTestSamples, SeededRng rng)
    {
        var chosen = new Dictionary<RelationSample, RelationSample>();
        foreach (var sample in knownTestSamples)
        {
            var others = knownTestSamples
                .Where(x => x.Subject != sample.Subject && x.Object != sample.Object)
                .ToList();
            if (others.Count > 0) chosen[sample] = rng.Choice(others);
        }
        return knownTestSamples
            .Where(chosen.ContainsKey)
            .Select(s => new EditPair(s, chosen[s]))
            .ToList();
    }

    public static IReadOnlyList<EditPair> Pair(IReadOnlyList<RelationSample> knownTestSamples, long seed) =>
        Pair(knownTestSamples, new SeededRng(seed));
}
