using System.Text.Json;
using System.Text.Json.Serialization;
using Relens.Reporting;

namespace Relens.Runs.Shards;

/// <summary>A unit as listed in a shard's JSON: the run's whole partition, so a merge can name the units
/// still missing and the shard that owes them without the model or the relations.</summary>
public sealed record ShardUnit(
    [property: JsonPropertyName("relation")] string Relation,
    [property: JsonPropertyName("trial")] int Trial,
    [property: JsonPropertyName("shard")] int Shard,
    [property: JsonPropertyName("cost")] long Cost);

/// <summary>
/// shards/shard-I-of-N.json, beside that shard's records: the run's fingerprint, the run's settings (as in
/// run.json, with this shard's own timings) and the partition of every unit of the run.
/// </summary>
public sealed record ShardInfo
{
    [JsonPropertyName("fingerprint")] public required string Fingerprint { get; init; }
    [JsonPropertyName("shard")] public required int Shard { get; init; }
    [JsonPropertyName("shards")] public required int Shards { get; init; }
    [JsonPropertyName("host")] public string? Host { get; init; }
    [JsonPropertyName("run")] public required RunInfo Run { get; init; }
    [JsonPropertyName("units")] public required IReadOnlyList<ShardUnit> Units { get; init; }

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    /// <summary>Written to a temporary file and renamed, so a reader never sees half a file.</summary>
    public void Save(string path)
    {
        string temp = path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(this, Options));
        File.Move(temp, path, overwrite: true);
    }

    public static ShardInfo Load(string path)
    {
        if (!File.Exists(path)) throw RelensException.InFile(path, "missing");
        try { return JsonSerializer.Deserialize<ShardInfo>(File.ReadAllText(path), Options) ?? throw new JsonException("empty file"); }
        catch (JsonException e) { throw RelensException.InFile(path, $"not a shard description ({e.Message})"); }
    }
}

/// <summary>Where shards keep their files in the run folder: shards/shard-I-of-N.jsonl (records) and .json (<see cref="ShardInfo"/>).</summary>
public static class ShardFiles
{
    public const string FolderName = "shards";

    public static string Folder(RunFolder run) => Path.Combine(run.Directory, FolderName);

    public static string Stem(RunFolder run, ShardSpec shard) => Path.Combine(Folder(run), $"shard-{shard.Index}-of-{shard.Count}");
    public static string RecordsPath(RunFolder run, ShardSpec shard) => Stem(run, shard) + ".jsonl";
    public static string InfoPath(RunFolder run, ShardSpec shard) => Stem(run, shard) + ".json";
}
