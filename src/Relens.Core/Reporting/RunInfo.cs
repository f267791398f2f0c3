using System.Text.Json;
using System.Text.Json.Serialization;

namespace Relens.Reporting;

/// <summary>run.json: what a `relens run` output folder was computed from and with which settings.</summary>
public sealed record RunInfo
{
    [JsonPropertyName("model_directory")] public required string ModelDirectory { get; init; }
    [JsonPropertyName("model_identity")] public required string ModelIdentity { get; init; }
    [JsonPropertyName("model_type")] public required string ModelType { get; init; }
    [JsonPropertyName("num_layers")] public required int NumLayers { get; init; }
    [JsonPropertyName("hidden_size")] public required int HiddenSize { get; init; }
    /// <summary>The `--quantize` scheme the model's weights were quantised with at load ("q4_0", "nf4 (embeddings too)"), or null.</summary>
    [JsonPropertyName("quantization")] public string? Quantization { get; init; }
    [JsonPropertyName("relations_directory")] public required string RelationsDirectory { get; init; }
    [JsonPropertyName("relations")] public required IReadOnlyList<string> Relations { get; init; }
    [JsonPropertyName("shots")] public required int Shots { get; init; }
    [JsonPropertyName("trials")] public required int Trials { get; init; }
    [JsonPropertyName("seed")] public long Seed { get; init; }
    [JsonPropertyName("beta")] public required double Beta { get; init; }
    [JsonPropertyName("layers")] public required IReadOnlyList<string> Layers { get; init; }
    [JsonPropertyName("betas")] public IReadOnlyList<double> Betas { get; init; } = [];
    [JsonPropertyName("ranks")] public IReadOnlyList<int> Ranks { get; init; } = [];
    /// <summary>The paper's hparams folder the relations ran with (--paper-hparams), or null.</summary>
    [JsonPropertyName("paper_hparams")] public string? PaperHparams { get; init; }
    /// <summary>Relations of this session that could not be run: broken files, or an error while sweeping.</summary>
    [JsonPropertyName("failed_relations")] public IReadOnlyList<FailedRelation> FailedRelations { get; init; } = [];
    [JsonPropertyName("started_utc")] public DateTime StartedUtc { get; init; }
    [JsonPropertyName("finished_utc")] public DateTime? FinishedUtc { get; init; }
    [JsonPropertyName("seconds")] public double? Seconds { get; init; }
    /// <summary>Wall-clock seconds spent on each relation (sweep and saved LRE), summed over resumed sessions.</summary>
    [JsonPropertyName("relation_seconds")] public IReadOnlyDictionary<string, double> RelationSeconds { get; init; } = new Dictionary<string, double>();

    /// <summary>Set by `relens merge`: the fingerprint of the sharded run (Runs/Shards/RunFingerprint) and how many shard files it merged.</summary>
    [JsonPropertyName("fingerprint"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Fingerprint { get; init; }
    [JsonPropertyName("shards"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? Shards { get; init; }

    public const string FileName = "run.json";

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    public void Save(string outputDir) => File.WriteAllText(Path.Combine(outputDir, FileName), JsonSerializer.Serialize(this, Options));

    public static RunInfo Load(string outputDir)
    {
        var path = Path.Combine(outputDir, FileName);
        if (!File.Exists(path)) throw RelensException.InFile(path, "missing: not a `relens run` output folder");
        try { return JsonSerializer.Deserialize<RunInfo>(File.ReadAllText(path), Options) ?? throw new JsonException("empty file"); }
        catch (JsonException e) { throw RelensException.InFile(path, $"not a valid run.json ({e.Message})"); }
    }
}

/// <summary>A relation a run could not do: its name (the file stem when the file could not be read), file and error.</summary>
public sealed record FailedRelation(
    [property: JsonPropertyName("relation")] string Relation,
    [property: JsonPropertyName("file")] string? File,
    [property: JsonPropertyName("error")] string Error);
