using System.Text.Json.Serialization;

namespace Relens.Reporting;

/// <summary>Per-layer means over a relation's valid trials.</summary>
public sealed record LayerSummary
{
    [JsonPropertyName("layer")] public required string Layer { get; init; }
    /// <summary>Mean recall@1 at the run's fixed β.</summary>
    [JsonPropertyName("faithfulness")] public double Faithfulness { get; init; }
    /// <summary>Mean over trials of each trial's best causality over the rank grid (the paper's choice, optimistic).</summary>
    [JsonPropertyName("causality")] public double Causality { get; init; }
    /// <summary>Mean over trials of each trial's best faithfulness over the β grid.</summary>
    [JsonPropertyName("faithfulness_best_beta")] public double FaithfulnessBestBeta { get; init; }
    [JsonPropertyName("best_beta")] public double BestBeta { get; init; }
    [JsonPropertyName("best_rank")] public double BestRank { get; init; }
    [JsonPropertyName("jh_over_b")] public double JacobianShare { get; init; }
    /// <summary>Faithfulness baselines (recall@1): Identity, Translation, LinearRegression.</summary>
    [JsonPropertyName("faithfulness_baselines")] public IReadOnlyDictionary<string, double> FaithfulnessBaselines { get; init; } = new Dictionary<string, double>();
    /// <summary>Causality baselines: s', e, o'.</summary>
    [JsonPropertyName("causality_baselines")] public IReadOnlyDictionary<string, double> CausalityBaselines { get; init; } = new Dictionary<string, double>();
}

/// <summary>One relation's results, chosen the paper's way (LRE-METHOD §8).</summary>
public sealed record RelationSummary
{
    [JsonPropertyName("relation")] public required string Relation { get; init; }
    [JsonPropertyName("category")] public required string Category { get; init; }
    [JsonPropertyName("samples")] public int Samples { get; init; }
    [JsonPropertyName("distinct_objects")] public int DistinctObjects { get; init; }
    /// <summary>Σ_o p(o)² over first object tokens: the red ticks of the paper's per-relation figure.</summary>
    [JsonPropertyName("chance")] public double Chance { get; init; }
    /// <summary>Frequency of the most common first object token: always guessing it.</summary>
    [JsonPropertyName("majority")] public double Majority { get; init; }
    [JsonPropertyName("valid_trials")] public int ValidTrials { get; init; }
    [JsonPropertyName("mean_known")] public double MeanKnown { get; init; }
    [JsonPropertyName("mean_test")] public double MeanTest { get; init; }
    [JsonPropertyName("layers")] public IReadOnlyList<LayerSummary> Layers { get; init; } = [];
    [JsonPropertyName("faithfulness_best_layer")] public string? FaithfulnessBestLayer { get; init; }
    [JsonPropertyName("causality_best_layer")] public string? CausalityBestLayer { get; init; }
    /// <summary>Faithfulness at the causality-best layer with fixed β (the paper's per-relation figure).</summary>
    [JsonPropertyName("faithfulness")] public double Faithfulness { get; init; }
    /// <summary>Causality at the causality-best layer.</summary>
    [JsonPropertyName("causality")] public double Causality { get; init; }
    /// <summary>Faithfulness at the faithfulness-best layer (the paper's per-category table).</summary>
    [JsonPropertyName("faithfulness_at_best_layer")] public double FaithfulnessAtBestLayer { get; init; }
    [JsonPropertyName("best_rank")] public double BestRank { get; init; }
    /// <summary>Faithfulness ≥ 0.6 (the paper's threshold), at the causality-best layer.</summary>
    [JsonPropertyName("linear")] public bool Linear { get; init; }
    /// <summary>Why a relation has no numbers (no valid trial), if so.</summary>
    [JsonPropertyName("note")] public string? Note { get; init; }
    /// <summary>Samples left out because they could not be prompted or their subject not located.</summary>
    [JsonPropertyName("skipped_samples")] public IReadOnlyList<SkippedSampleSummary> SkippedSamples { get; init; } = [];
    /// <summary>The fixed β the relation ran with (its own under --paper-hparams); null for runs older than this record.</summary>
    [JsonPropertyName("beta")] public double? Beta { get; init; }
}

/// <summary>A sample a run left out, and why.</summary>
public sealed record SkippedSampleSummary(
    [property: JsonPropertyName("subject")] string Subject,
    [property: JsonPropertyName("reason")] string Reason);

public sealed record CategorySummary
{
    [JsonPropertyName("category")] public required string Category { get; init; }
    [JsonPropertyName("relations")] public int Relations { get; init; }
    /// <summary>Mean faithfulness under faithfulness-best settings (the paper's table).</summary>
    [JsonPropertyName("faithfulness")] public double Faithfulness { get; init; }
    [JsonPropertyName("causality")] public double Causality { get; init; }
    /// <summary>Means of the faithfulness baselines at each relation's faithfulness-best layer.</summary>
    [JsonPropertyName("faithfulness_baselines")] public IReadOnlyDictionary<string, double> FaithfulnessBaselines { get; init; } = new Dictionary<string, double>();
    /// <summary>Means of the causality baselines at each relation's causality-best layer.</summary>
    [JsonPropertyName("causality_baselines")] public IReadOnlyDictionary<string, double> CausalityBaselines { get; init; } = new Dictionary<string, double>();
}

/// <summary>summary.json of a run.</summary>
public sealed record RunSummary
{
    [JsonPropertyName("relations")] public IReadOnlyList<RelationSummary> Relations { get; init; } = [];
    [JsonPropertyName("categories")] public IReadOnlyList<CategorySummary> Categories { get; init; } = [];
    /// <summary>Pearson R between per-relation faithfulness and causality (causality-best layer); null with fewer than 3 relations.</summary>
    [JsonPropertyName("pearson_r")] public double? PearsonR { get; init; }
    [JsonPropertyName("mean_faithfulness")] public double MeanFaithfulness { get; init; }
    [JsonPropertyName("mean_causality")] public double MeanCausality { get; init; }
    public const string FileName = "summary.json";
}
