namespace Relens.World;

/// <summary>
/// A world: its relations (sampled from the relation files, plus any synthetic people) and the text
/// that teaches them. Documents are strings; epoch e's documents depend only on (spec, e).
/// </summary>
public sealed class WorldCorpus
{
    public WorldSpec Spec { get; }
    public IReadOnlyList<WorldRelation> Relations { get; }

    /// <summary>Every subject with all its facts across relations (subjects shared by relations, such
    /// as countries or synthetic people, have several).</summary>
    public IReadOnlyList<(string Subject, IReadOnlyList<(WorldRelation Relation, string Object)> Facts)> Entities { get; }

    public int FactCount => Relations.Sum(r => r.Facts.Count);

    /// <summary>Facts (relation id, subject) never shown in the template form (<see cref="CorpusMix.HeldOutShare"/>); empty by default.</summary>
    public IReadOnlySet<(string RelationId, string Subject)> HeldOut { get; }

    public bool IsHeldOut(WorldRelation r, WorldFact f) => HeldOut.Contains((r.Id, f.Subject));

    private WorldCorpus(WorldSpec spec, IReadOnlyList<WorldRelation> relations)
    {
        Spec = spec;
        Relations = relations;
        HeldOut = spec.Mix.HeldOutShare > 0 ? PickHeldOut(relations, spec.Mix.HeldOutShare, Seeds.Rng(spec.Seed, 4)) : new HashSet<(string, string)>();
        Entities = relations
            .SelectMany(r => r.Facts.Select(f => (f.Subject, Item: (Relation: r, f.Object))))
            .GroupBy(x => x.Subject, StringComparer.Ordinal)
            .Select(g => (g.Key, (IReadOnlyList<(WorldRelation, string)>)g.Select(x => x.Item).ToList()))
            .ToList();
    }

    public static WorldCorpus Build(WorldSpec spec, string relationsDir)
    {
        if (spec.Relations.Count == 0) throw new RelensException($"world '{spec.Name}' has no relations");
        if (spec.Mix.HeldOutShare is < 0 or >= 1 || double.IsNaN(spec.Mix.HeldOutShare))
            throw new RelensException($"--held-out-share must be at least 0 and below 1 (a share of each relation's facts), got {spec.Mix.HeldOutShare}");
        var rng = Seeds.Rng(spec.Seed, 1);
        var relations = new List<WorldRelation>();
        foreach (var pick in spec.Relations)
        {
            var r = WorldRelationFile.Load(relationsDir, pick.Id);
            bool synthetic = spec.People?.AttributeIds.Contains(r.Id) == true;
            var facts = synthetic && spec.People!.ReplaceRealFacts ? [] : BalancedSample(r.Facts, pick.MaxFacts, rng);
            relations.Add(r with { Facts = facts });
        }
        if (spec.People is { } people) AddPeople(people, relations, relationsDir, rng);
        foreach (var r in relations)
            if (r.Facts.Count == 0) throw new RelensException($"world '{spec.Name}': relation {r.Id} has no facts");
        return new WorldCorpus(spec, relations);
    }

    /// <summary>The documents of one epoch, shuffled: the ICL, mixed and profile passes of the spec's mix.</summary>
    public IReadOnlyList<string> Documents(int epoch)
    {
        var mix = Spec.Mix;
        var rng = Seeds.Rng(Spec.Seed, 2, epoch);
        var docs = new List<string>();
        // held-out facts: no template-only documents, always compact in mixed ones, no template sentence in profiles
        for (int p = 0; p < mix.IclPasses; p++)
            foreach (var r in Relations) docs.AddRange(WorldDocuments.Icl(r with { Facts = r.Facts.Where(f => !IsHeldOut(r, f)).ToList() }, rng, mix.LinesPerIclDoc));
        for (int p = 0; p < mix.MixedPasses; p++)
            foreach (var r in Relations) docs.AddRange(WorldDocuments.Mixed(r, rng, mix.LinesPerIclDoc, mix.CompactShare, f => IsHeldOut(r, f)));
        for (int p = 0; p < mix.ProfilePasses; p++)
            docs.AddRange(WorldDocuments.Profiles(Entities, rng, mix.EntitiesPerProfileDoc, IsHeldOut));
        Seeds.Shuffle(docs, rng);
        return docs;
    }

    /// <summary>
    /// About <paramref name="share"/> of each relation's facts, every other one of each object's facts in random
    /// order, so the held-out half has the relation's object distribution (a constant guess scores the same on both).
    /// </summary>
    private static HashSet<(string, string)> PickHeldOut(IReadOnlyList<WorldRelation> relations, double share, Random rng)
    {
        var held = new HashSet<(string, string)>();
        foreach (var r in relations)
        {
            double owed = 0;
            foreach (var g in r.Facts.GroupBy(f => f.Object, StringComparer.Ordinal))
            {
                var facts = g.ToList();
                Seeds.Shuffle(facts, rng);
                foreach (var f in facts)
                {
                    owed += share;
                    if (owed >= 1 - 1e-9) { held.Add((r.Id, f.Subject)); owed -= 1; }
                }
            }
        }
        return held;
    }

    /// <summary>
    /// Up to <paramref name="max"/> facts taken round-robin over objects (each object's facts in random
    /// order), so a large relation keeps all its objects and a constant guess scores near 1/|objects|.
    /// </summary>
    internal static IReadOnlyList<WorldFact> BalancedSample(IReadOnlyList<WorldFact> facts, int max, Random rng)
    {
        if (max <= 0 || max >= facts.Count) return facts;
        var groups = facts.GroupBy(f => f.Object, StringComparer.Ordinal).Select(g =>
        {
            var l = g.ToList();
            Seeds.Shuffle(l, rng);
            return new Queue<WorldFact>(l);
        }).ToList();
        var picked = new List<WorldFact>(max);
        while (picked.Count < max)
            foreach (var q in groups)
                if (picked.Count < max && q.Count > 0) picked.Add(q.Dequeue());
        return picked;
    }

    private static void AddPeople(SyntheticPeople people, List<WorldRelation> relations, string relationsDir, Random rng)
    {
        var forbidden = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var r in relations)
            foreach (var f in r.Facts)
                foreach (var w in (f.Subject + " " + f.Object).Split(' ')) forbidden.Add(w);
        var names = SyntheticNames.Make(people.Count, rng, forbidden);
        foreach (var id in people.AttributeIds)
        {
            int i = relations.FindIndex(r => r.Id == id);
            if (i < 0)
                throw new RelensException($"synthetic attribute relation {id} must also be one of the world's relations");
            // Values come from the relation file's full object list, not the sample, so all are possible.
            var objects = WorldRelationFile.Load(relationsDir, id).Objects;
            var extra = names.Select(n => new WorldFact(n, objects[rng.Next(objects.Count)]));
            relations[i] = relations[i] with { Facts = relations[i].Facts.Concat(extra).ToList() };
        }
    }
}
