namespace Relens.Relations;

/// <summary>Train/test splits of a relation, as the paper draws them for each trial.</summary>
public static class RelationSplitter
{
    /// <summary>
    /// The paper's <c>Relation.split(n)</c>: shuffle the samples, group them by object (groups in
    /// order of first appearance), shuffle each group, then deal one sample per object in turns
    /// until all are dealt. The first <paramref name="trainSize"/> dealt samples are the training
    /// set, so it covers min(n, #objects) distinct objects; the rest, in dealt order, is the test set.
    /// Splits are by sample position: if a file repeats a (subject, object) pair, one copy can land
    /// in each half, as in the paper. Seeds give reproducible splits here, but not the paper's own
    /// splits: the generator is <see cref="SeededRng"/>, not Python's <c>random</c>.
    /// </summary>
    public static RelationSplit Split(Relation relation, int trainSize, SeededRng rng)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(trainSize);
        if (trainSize > relation.Samples.Count)
            throw new RelensException(
                $"cannot take {trainSize} training samples from relation '{relation.Name}', which has {relation.Samples.Count}");

        var shuffled = relation.Samples.ToList();
        rng.Shuffle(shuffled);

        var byObject = new List<List<RelationSample>>();
        var groupIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var s in shuffled)
        {
            if (!groupIndex.TryGetValue(s.Object, out int g))
            {
                groupIndex[s.Object] = g = byObject.Count;
                byObject.Add([]);
            }
            byObject[g].Add(s);
        }
        foreach (var group in byObject) rng.Shuffle(group);

        var dealt = new List<RelationSample>(shuffled.Count);
        for (int round = 0; dealt.Count < shuffled.Count; round++)
            foreach (var group in byObject)
                if (round < group.Count) dealt.Add(group[round]);

        return new RelationSplit(
            relation with { Samples = dealt.Take(trainSize).ToArray() },
            relation with { Samples = dealt.Skip(trainSize).ToArray() });
    }

    /// <summary>
    /// A training set named by subject (the CLI's --train-subjects): exactly those samples, in the
    /// given order; the test set is every other sample, in file order. A subject with several
    /// samples (1:N relations) contributes its first one; its other samples stay in the test set.
    /// </summary>
    public static RelationSplit WithTrainSubjects(Relation relation, IReadOnlyList<string> subjects)
    {
        if (subjects.Count == 0)
            throw new RelensException($"no training subjects given for relation '{relation.Name}'");
        var repeated = subjects.GroupBy(s => s, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (repeated.Count > 0)
            throw new RelensException(
                $"training subject{(repeated.Count > 1 ? "s" : "")} given more than once: {Quote(repeated)}");

        var firstIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < relation.Samples.Count; i++) firstIndex.TryAdd(relation.Samples[i].Subject, i);

        var unknown = subjects.Where(s => !firstIndex.ContainsKey(s)).ToList();
        if (unknown.Count > 0)
        {
            var hints = unknown
                .Select(u => (u, near: NameMatching.Closest(u, firstIndex.Keys, 3)))
                .Where(x => x.near.Count > 0)
                .Select(x => $"'{x.u}' → did you mean {Quote(x.near)}?");
            throw new RelensException(
                $"relation '{relation.Name}' has no sample with subject {Quote(unknown)}"
                + (hints.Any() ? " (" + string.Join("; ", hints) + ")" : ""));
        }

        var trainIdx = subjects.Select(s => firstIndex[s]).ToArray();
        var inTrain = trainIdx.ToHashSet();
        return new RelationSplit(
            relation with { Samples = trainIdx.Select(i => relation.Samples[i]).ToArray() },
            relation with { Samples = relation.Samples.Where((_, i) => !inTrain.Contains(i)).ToArray() });
    }

    private static string Quote(IEnumerable<string> items) => string.Join(", ", items.Select(s => $"'{s}'"));
}
