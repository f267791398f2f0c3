namespace Relens.Relations;

/// <summary>
/// One relation of the dataset (one JSON file): its templates and its (subject, object) samples.
/// </summary>
/// <param name="Name">The relation's name, its id ("country capital city").</param>
/// <param name="Category">The folder it was loaded from: factual, commonsense, linguistic or bias.</param>
/// <param name="PromptTemplates">Few-shot templates with one "{}" subject slot. Only [0] is used for
/// estimating and evaluating an LRE (see <see cref="PromptTemplate"/>).</param>
/// <param name="ZeroShotTemplates">The file's "prompt_templates_zs" (may be empty).</param>
/// <param name="Properties">The file's "properties" block.</param>
/// <param name="Samples">The facts, in file order (or split order, after <see cref="Split(int, SeededRng)"/>).</param>
public sealed record Relation(
    string Name,
    string Category,
    IReadOnlyList<string> PromptTemplates,
    IReadOnlyList<string> ZeroShotTemplates,
    RelationProperties Properties,
    IReadOnlyList<RelationSample> Samples)
{
    // The derived fields are computed once from the samples given at construction and then copied
    // unchanged by `with` (and so by Split), as the paper computes them once when loading: a train
    // split keeps the full relation's fn_type, domain and range.

    /// <summary>1:1, 1:N, N:1 or N:N, read off the samples the relation was created with.</summary>
    public RelationFnType FnType { get; init; } = RelationFnTypes.Of(Samples);

    /// <summary>True when another relation of the dataset has the same (domain_name, range_name)
    /// pair. Only <see cref="RelationDataset.Load"/> can know this; a single loaded file has false.</summary>
    public bool Disambiguating { get; init; }

    /// <summary>All subjects (the file's "domain" list if given, else the distinct subjects in order).</summary>
    public IReadOnlyList<string> Domain { get; init; } = DistinctInOrder(Samples.Select(s => s.Subject));

    /// <summary>All objects (the file's "range" list if given, else the distinct objects in order).</summary>
    public IReadOnlyList<string> Range { get; init; } = DistinctInOrder(Samples.Select(s => s.Object));

    /// <summary>The file the relation was read from, for error messages; null if built in code.</summary>
    public string? SourceFile { get; init; }

    /// <summary>The template the paper uses for estimation and evaluation: prompt_templates[0].</summary>
    public string PromptTemplate => PromptTemplates[0];

    /// <summary>The paper's <c>Relation.split</c>: see <see cref="RelationSplitter.Split"/>.</summary>
    public RelationSplit Split(int trainSize, SeededRng rng) => RelationSplitter.Split(this, trainSize, rng);

    /// <summary><see cref="Split(int, SeededRng)"/> with a fresh generator seeded by <paramref name="seed"/>.</summary>
    public RelationSplit Split(int trainSize, long seed) => RelationSplitter.Split(this, trainSize, new SeededRng(seed));

    /// <summary>A user-chosen training set (--train-subjects): see <see cref="RelationSplitter.WithTrainSubjects"/>.</summary>
    public RelationSplit WithTrainSubjects(IReadOnlyList<string> subjects) => RelationSplitter.WithTrainSubjects(this, subjects);

    /// <summary>A user-chosen training set of exact pairs (--train-samples): see <see cref="RelationSplitter.WithTrainSamples"/>.</summary>
    public RelationSplit WithTrainSamples(IReadOnlyList<TrainingPair> pairs) => RelationSplitter.WithTrainSamples(this, pairs);

    public override string ToString() => $"{Name} ({Category}, {Samples.Count} samples, {FnType.ToShortString()})";

    internal static IReadOnlyList<string> DistinctInOrder(IEnumerable<string> items) =>
        items.Distinct(StringComparer.Ordinal).ToArray();
}

/// <summary>A train/test split of one relation. Both halves keep the full relation's metadata.</summary>
public sealed record RelationSplit(Relation Train, Relation Test);
