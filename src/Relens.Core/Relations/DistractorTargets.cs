namespace Relens.Relations;

/// <summary>Wrong answers for the attribute-lens distractor prompts (the paper's <c>random_incorrect_targets</c>).</summary>
public static class DistractorTargets
{
    /// <summary>
    /// For each object, a uniformly drawn entry of <paramref name="objects"/> that differs from it
    /// (the paper redraws until different). Throws if all objects are equal, where the paper would loop forever.
    /// </summary>
    public static IReadOnlyList<string> Pick(IReadOnlyList<string> objects, SeededRng rng)
    {
        if (objects.Distinct(StringComparer.Ordinal).Count() < 2)
            throw new RelensException("distractor prompts need at least two different objects among the test samples");
        var result = new string[objects.Count];
        for (int i = 0; i < objects.Count; i++)
        {
            string wrong = objects[i];
            while (wrong == objects[i]) wrong = rng.Choice(objects);
            result[i] = wrong;
        }
        return result;
    }
}
