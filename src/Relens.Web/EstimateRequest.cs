using System.Text.Json.Serialization;
using Relens.Relations;
using Relens.Web.Api;

namespace Relens.Web;

/// <summary>POST /api/estimate body: <c>{"relation": "...", "layer": "emb"|"2", "beta": 2.25, "train_subjects": ["..."]}</c>
/// or, with exact pairs, <c>"train_samples": [{"subject": "...", "object": "..."}]</c> (as `relens estimate`'s
/// --train-subjects and --train-samples).</summary>
public sealed record EstimateRequest
{
    public const int MaxTrainSamples = 32;
    /// <summary>The run protocol's β (as `relens estimate`).</summary>
    public static double DefaultBeta => new Sweeps.SweepSettings().Beta;

    [JsonPropertyName("relation")] public string? Relation { get; init; }
    [JsonPropertyName("layer")] public string? Layer { get; init; }
    [JsonPropertyName("beta")] public double? Beta { get; init; }
    [JsonPropertyName("train_subjects")] public IReadOnlyList<string>? TrainSubjects { get; init; }
    [JsonPropertyName("train_samples")] public IReadOnlyList<Pair>? TrainSamples { get; init; }

    public sealed record Pair([property: JsonPropertyName("subject")] string? Subject, [property: JsonPropertyName("object")] string? Object);

    /// <summary>Checks what can be checked without the relation and the model.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Relation)) throw ApiException.BadRequest("'relation' is required");
        if (string.IsNullOrWhiteSpace(Layer)) throw ApiException.BadRequest("'layer' is required: \"emb\" or a block number");
        if (Beta is { } b && (!double.IsFinite(b) || b < 0)) throw ApiException.BadRequest($"'beta' must be a finite number ≥ 0, got {b}");
        if ((TrainSubjects is null) == (TrainSamples is null))
            throw ApiException.BadRequest("give either 'train_subjects' (subjects with one object each) or 'train_samples' (subject and object pairs)");
        int count = TrainSubjects?.Count ?? TrainSamples!.Count;
        if (count is < 1 or > MaxTrainSamples) throw ApiException.BadRequest($"give between 1 and {MaxTrainSamples} training samples, got {count}");
        for (int i = 0; i < (TrainSamples?.Count ?? 0); i++)
            if (string.IsNullOrWhiteSpace(TrainSamples![i]?.Subject) || string.IsNullOrWhiteSpace(TrainSamples[i]?.Object))
                throw ApiException.BadRequest($"'train_samples'[{i}] needs a non-empty \"subject\" and \"object\"");
    }

    /// <summary>The training split, by the one rule `relens estimate` uses (<see cref="RelationSplitter"/>).</summary>
    public RelationSplit Split(Relation relation) => TrainSubjects is { } subjects
        ? relation.WithTrainSubjects(subjects)
        : relation.WithTrainSamples(TrainSamples!.Select((p, i) => new TrainingPair(p.Subject!, p.Object!, $"'train_samples'[{i}]")).ToList());
}
