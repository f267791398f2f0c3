namespace Relens.World;

/// <summary>A relation taken into a world; <paramref name="MaxFacts"/> 0 keeps every fact.</summary>
public sealed record RelationPick(string Id, int MaxFacts = 0);

/// <summary>
/// Invented people with one single-word, unique name each and one value per attribute relation,
/// drawn uniformly from that relation's real objects. Several attributes per entity (the Physics of
/// LMs 3.1 recipe) give the model a reason to store attributes at the name rather than look them up
/// per question. Their facts are added to (or, with <paramref name="ReplaceRealFacts"/>, replace)
/// the attribute relations' facts and are rendered with those relations' own templates.
/// </summary>
public sealed record SyntheticPeople(int Count, IReadOnlyList<string> AttributeIds, bool ReplaceRealFacts = false);

/// <summary>
/// How one epoch of text is made (every fact appears in each kind of document every epoch).
/// </summary>
/// <param name="IclPasses">Passes of the paper's ICL documents (one relation, template[0] lines).</param>
/// <param name="ProfilePasses">Passes of entity profiles: all facts of one subject, random order,
/// random paraphrase (statements and questions), several subjects per document.</param>
/// <param name="MixedPasses">Passes of ICL documents in which each line is, with probability
/// <paramref name="CompactShare"/>, the compact form "subject object": there the object is the next
/// token after the subject, so its prediction has to be made at the subject's last token.</param>
/// <param name="LinesPerIclDoc">Facts per ICL document; 9 = an 8-shot prompt plus its query.</param>
/// <param name="EntitiesPerProfileDoc">Subjects per profile document.</param>
/// <param name="HeldOutShare">Share of each relation's facts never shown in the template (query) form — the
/// knowledge-extraction split of Allen-Zhu &amp; Li, "Physics of Language Models 3.1" (issue 12's D1): those facts
/// appear only as compact "subject object" lines and in profile sentences other than the template. If the template
/// query then works for them, the query's last position must read what the subject's own positions computed.</param>
public sealed record CorpusMix(
    int IclPasses = 1, int ProfilePasses = 2, int MixedPasses = 0, double CompactShare = 0.5,
    int LinesPerIclDoc = 9, int EntitiesPerProfileDoc = 4, double HeldOutShare = 0);

/// <summary>What a world is made of. Deterministic: the same spec, relations folder and epoch give
/// the same documents.</summary>
public sealed record WorldSpec(
    string Name, IReadOnlyList<RelationPick> Relations, CorpusMix Mix, SyntheticPeople? People = null, int Seed = 1)
{
    public static IReadOnlyList<string> PresetNames { get; } = ["tiny", "default", "full"];

    /// <summary>"tiny" (tests), "default" (the shipped model, sized for about 20 minutes on 2 cores)
    /// or "full" (all 47 relations, every fact; the relations folder is needed to list them).</summary>
    public static WorldSpec Preset(string name, string? relationsDir = null) => name switch
    {
        "tiny" => Tiny,
        "default" => Default,
        "full" => Full(relationsDir ?? throw new RelensException("the 'full' world needs the relations folder")),
        _ => throw new RelensException($"unknown world '{name}'; known: {string.Join(", ", PresetNames)}"),
    };

    /// <summary>Three small relations with few objects: enough to exercise every code path quickly.</summary>
    public static WorldSpec Tiny { get; } = new("tiny",
        [new("bias/name_gender", 12), new("commonsense/substance_phase", 12), new("factual/country_capital_city", 10)],
        new CorpusMix(IclPasses: 1, ProfilePasses: 1, MixedPasses: 1));

    /// <summary>
    /// Relations from all four categories, chosen for few distinct objects or systematic structure (so
    /// an LRE has something to find), object-balanced samples where a relation is large (so that a
    /// constant guess scores low), about 660 facts in all.
    /// </summary>
    public static WorldSpec Default { get; } = new("default",
        [
            new("factual/person_plays_pro_sport", 60), new("factual/person_plays_instrument", 60),
            new("factual/landmark_on_continent", 60), new("factual/country_capital_city"),
            new("factual/country_language"),
            new("commonsense/substance_phase"), new("commonsense/word_sentiment"),
            new("commonsense/object_superclass"),
            new("linguistic/adj_comparative"), new("linguistic/verb_past_tense"),
            new("linguistic/word_first_letter", 60),
            new("bias/name_gender"), new("bias/occupation_gender"), new("bias/name_religion"),
        ],
        new CorpusMix(IclPasses: 1, ProfilePasses: 2, MixedPasses: 2, CompactShare: 0.5));

    /// <summary>Every relation in the folder with every fact.</summary>
    public static WorldSpec Full(string relationsDir) => new("full",
        WorldRelationFile.ListIds(relationsDir).Select(id => new RelationPick(id)).ToList(), new CorpusMix());
}
