using System.Text.Json;
using System.Text.Json.Nodes;

namespace Relens.Models;

/// <summary>
/// A checkpoint's config.json, kept as JSON so each architecture reads the fields it knows (HF names
/// them differently per model_type). Accessors throw a RelensException naming the file and the field.
/// </summary>
public sealed class ModelConfig
{
    private ModelConfig(string path, JsonObject json, string modelType)
    {
        Path = path;
        Json = json;
        ModelType = modelType;
    }

    public string Path { get; }
    public JsonObject Json { get; }
    public string ModelType { get; }

    public static ModelConfig Load(string modelDir)
    {
        string path = System.IO.Path.Combine(modelDir, "config.json");
        if (!Directory.Exists(modelDir)) throw new RelensException($"{modelDir}: model folder does not exist") { Path = modelDir };
        if (!File.Exists(path)) throw RelensException.InFile(path, "missing: a Hugging Face model folder needs config.json");
        JsonNode? node;
        try { node = JsonNode.Parse(File.ReadAllText(path)); }
        catch (JsonException e) { throw RelensException.InFile(path, $"not valid JSON ({e.Message})"); }
        if (node is not JsonObject obj) throw RelensException.InFile(path, "must hold a JSON object");
        return FromJson(obj, path);
    }

    public static ModelConfig FromJson(JsonObject json, string path = "config.json")
    {
        var type = json["model_type"]?.GetValueKind() == JsonValueKind.String ? json["model_type"]!.GetValue<string>() : null;
        if (string.IsNullOrEmpty(type)) throw RelensException.InFile(path, "has no \"model_type\"");
        // every size field present, read by the architecture or not: a 0 here only fails later, far from the file
        foreach (var key in PositiveFields)
            if (json[key] is JsonValue v && v.GetValueKind() == JsonValueKind.Number
                && !(double.TryParse(v.ToJsonString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var size) && size >= 1))
                throw RelensException.InFile(path, $"\"{key}\" must be a positive integer, got {v.ToJsonString()}");
        return new ModelConfig(path, json, type);
    }

    public bool Has(string key) => Json[key] is not null && Json[key]!.GetValueKind() != JsonValueKind.Null;

    /// <summary>
    /// The size fields of every architecture's config (HF names and aliases): a count or width of 0 or less would
    /// divide by zero or build empty tensors far from the file, so loading refuses it, naming the field.
    /// </summary>
    public static readonly IReadOnlySet<string> PositiveFields = new HashSet<string>(StringComparer.Ordinal)
    {
        "vocab_size", "n_positions", "n_ctx", "max_position_embeddings", "n_embd", "hidden_size", "n_layer", "num_hidden_layers",
        "num_layers", "n_head", "num_attention_heads", "num_heads", "num_key_value_heads", "head_dim", "intermediate_size",
        "n_inner", "rotary_dim", "window_size", "sliding_window",
    };

    /// <summary>The first present key among <paramref name="keys"/> (HF aliases, e.g. n_embd / hidden_size).</summary>
    public int Int(params string[] keys) => Get(keys, n => n.GetValue<int>());
    public int IntOr(int fallback, params string[] keys) => TryGet(keys, n => n.GetValue<int>(), out var v) ? v : fallback;

    public double Double(params string[] keys) => Get(keys, n => n.GetValue<double>());
    public double DoubleOr(double fallback, params string[] keys) => TryGet(keys, n => n.GetValue<double>(), out var v) ? v : fallback;
    public bool BoolOr(bool fallback, params string[] keys) => TryGet(keys, n => n.GetValue<bool>(), out var v) ? v : fallback;
    public string? StringOr(string? fallback, params string[] keys) => TryGet(keys, n => n.GetValue<string>(), out var v) ? v : fallback;

    private T Get<T>(string[] keys, Func<JsonNode, T> read) =>
        TryGet(keys, read, out var v) ? v : throw RelensException.InFile(Path, $"missing \"{string.Join("\" / \"", keys)}\" (model_type {ModelType})");

    private bool TryGet<T>(string[] keys, Func<JsonNode, T> read, out T value)
    {
        foreach (var key in keys)
        {
            if (!Has(key)) continue;
            try { value = read(Json[key]!); return true; }
            catch (Exception e) when (e is InvalidOperationException or FormatException)
            {
                throw RelensException.InFile(Path, $"\"{key}\" has the wrong type ({Json[key]!.ToJsonString()})");
            }
        }
        value = default!;
        return false;
    }
}
