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
    /// given order; the test set is every other sample, in file order. A subject must name one object:
    /// one whose samples in the relation have several (object superclass: apple → fruit and apple → plant)
    /// is an error listing them, since which pair was meant cannot be guessed; give the pairs through
    /// <see cref="WithTrainSamples"/> instead. A (subject, object) pair the file repeats contributes its first copy.
    /// </summary>
    public static RelationSplit WithTrainSubjects(Relation relation, IReadOnlyList<string> subjects)
    {
        if (subjects.Count == 0)
            throw new RelensException($"no training subjects given for relation '{relation.Name}'");
        var repeated = subjects.GroupBy(s => s, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (repeated.Count > 0)
            throw new RelensException(
                $"training subject{(repeated.Count > 1 ? "s" : "")} given more than once: {Quote(repeated)}");

        var objects = ObjectsBySubject(relation);
        var unknown = subjects.Where(s => !objects.ContainsKey(s)).ToList();
        if (unknown.Count > 0)
        {
            var hints = unknown
                .Select(u => (u, near: NameMatching.Closest(u, objects.Keys, 3)))
                .Where(x => x.near.Count > 0)
                .Select(x => $"'{x.u}' → did you mean {Quote(x.near)}?");
            throw new RelensException(
                $"relation '{relation.Name}' has no sample with subject {Quote(unknown)}"
                + (hints.Any() ? " (" + string.Join("; ", hints) + ")" : ""));
        }
        var ambiguous = subjects.Where(s => objects[s].Count > 1).ToList();
        if (ambiguous.Count > 0)
            throw new RelensException(
                $"relation '{relation.Name}' has several objects for training subject{(ambiguous.Count > 1 ? "s" : "")} "
                + string.Join("; ", ambiguous.Select(s => $"'{s}' ({Quote(objects[s])})"))
                + ": which sample is meant cannot be told from the subject; give subject and object pairs instead (--train-samples FILE)");

        return WithTrainSamples(relation, subjects.Select((s, i) => new TrainingPair(s, objects[s][0], $"training subject {i + 1}")).ToList());
    }

    /// <summary>
    /// A training set of exact (subject, object) pairs (the CLI's --train-samples, the viewer's "train_samples"):
    /// those samples, in the given order; the test set is every other sample, in file order (a subject's other
    /// objects stay there, as the paper's split by position would leave them). A pair that is not in the relation,
    /// or is given twice, is an error naming where it was given (<see cref="TrainingPair.Where"/>: file and line).
    /// </summary>
    public static RelationSplit WithTrainSamples(Relation relation, IReadOnlyList<TrainingPair> pairs)
    {
        if (pairs.Count == 0)
            throw new RelensException($"no training samples given for relation '{relation.Name}'");
        var firstIndex = new Dictionary<(string, string), int>();
        for (int i = 0; i < relation.Samples.Count; i++) firstIndex.TryAdd((relation.Samples[i].Subject, relation.Samples[i].Object), i);
        var objects = ObjectsBySubject(relation);

        var trainIdx = new List<int>(pairs.Count);
        var seen = new Dictionary<(string, string), string>();
        foreach (var p in pairs)
        {
            if (!seen.TryAdd((p.Subject, p.Object), p.Where))
                throw new RelensException($"{p.Where}: the training sample '{p.Subject}' → '{p.Object}' is given more than once (also at {seen[(p.Subject, p.Object)]})");
            if (firstIndex.TryGetValue((p.Subject, p.Object), out int index)) { trainIdx.Add(index); continue; }
            string why = objects.TryGetValue(p.Subject, out var known)
                ? $"its object{(known.Count > 1 ? "s" : "")} for '{p.Subject}' {(known.Count > 1 ? "are" : "is")} {Quote(known)}"
                : NameMatching.Closest(p.Subject, objects.Keys, 3) is { Count: > 0 } near
                    ? $"it has no subject '{p.Subject}' (did you mean {Quote(near)}?)"
                    : $"it has no subject '{p.Subject}'";
            throw new RelensException($"{p.Where}: the pair '{p.Subject}' → '{p.Object}' is not a sample of relation '{relation.Name}': {why}");
        }
        var inTrain = trainIdx.ToHashSet();
        return new RelationSplit(
            relation with { Samples = trainIdx.Select(i => relation.Samples[i]).ToArray() },
            relation with { Samples = relation.Samples.Where((_, i) => !inTrain.Contains(i)).ToArray() });
    }

    /// <summary>Each subject's distinct objects, in file order.</summary>
    private static Dictionary<string, List<string>> ObjectsBySubject(Relation relation)
    {
        var objects = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var s in relation.Samples)
        {
            if (!objects.TryGetValue(s.Subject, out var list)) objects[s.Subject] = list = [];
            if (!list.Contains(s.Object, StringComparer.Ordinal)) list.Add(s.Object);
        }
        return objects;
    }

    private static string Quote(IEnumerable<string> items) => string.Join(", ", items.Select(s => $"'{s}'"));
}

/// <summary>One training sample given by the user, and where it was given ("pairs.tsv line 3") for error messages.</summary>
public sealed record TrainingPair(string Subject, string Object, string Where);
