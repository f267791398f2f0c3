using System.Text.Json;
using System.Text.Json.Serialization;
using Relens.Checkpoints;
using Relens.Models;
using Relens.Relations;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Lre;

/// <summary>
/// Saves an LRE as PREFIX.safetensors (F32 "weight" [d, d], the unscaled mean Jacobian, and "bias" [d]) plus
/// PREFIX.json (β, layer, prompt template, training samples, model identity, timings), readable from Python
/// without Relens. Loading checks the model identity so an LRE is never applied to another model.
/// </summary>
public static class LinearRelationFile
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public sealed record Metadata(
        [property: JsonPropertyName("format")] string Format,
        [property: JsonPropertyName("relation")] string Relation,
        [property: JsonPropertyName("layer")] string Layer,
        [property: JsonPropertyName("beta")] double Beta,
        [property: JsonPropertyName("hidden_size")] long HiddenSize,
        [property: JsonPropertyName("estimator")] string Estimator,
        [property: JsonPropertyName("prompt_template")] string PromptTemplate,
        [property: JsonPropertyName("training_samples")] IReadOnlyList<RelationSample> TrainingSamples,
        [property: JsonPropertyName("model_identity")] string ModelIdentity,
        [property: JsonPropertyName("model_type")] string? ModelType,
        [property: JsonPropertyName("model_directory")] string? ModelDirectory,
        [property: JsonPropertyName("timing_s")] IReadOnlyDictionary<string, double> TimingSeconds);

    public const string FormatName = "relens-lre/1";

    public static (string Tensors, string Json) Paths(string prefix) => (prefix + ".safetensors", prefix + ".json");

    public static void Save(LinearRelation lre, string prefix)
    {
        var (tensorPath, jsonPath) = Paths(prefix);
        var dir = Path.GetDirectoryName(Path.GetFullPath(tensorPath))!;
        Directory.CreateDirectory(dir);
        SafetensorsWriter.Write(tensorPath, [("weight", lre.Weight), ("bias", lre.Bias)],
            new Dictionary<string, string> { ["format"] = FormatName });
        var meta = new Metadata(FormatName, lre.Info.Relation, lre.Layer.ToString(), lre.Beta, lre.Dim, lre.Info.Estimator,
            lre.Info.PromptTemplate, lre.Info.TrainingSamples, lre.Info.ModelIdentity, lre.Info.ModelType, lre.Info.ModelDirectory,
            lre.Info.TimingSeconds);
        File.WriteAllText(jsonPath, JsonSerializer.Serialize(meta, Json));
    }

    /// <summary>Loads PREFIX.json + PREFIX.safetensors (PREFIX may also name either file) for <paramref name="lm"/>.</summary>
    public static LinearRelation Load(string prefix, LanguageModel? lm)
    {
        if (prefix.EndsWith(".json") || prefix.EndsWith(".safetensors")) prefix = prefix[..prefix.LastIndexOf('.')];
        var (tensorPath, jsonPath) = Paths(prefix);
        if (!File.Exists(jsonPath)) throw RelensException.InFile(jsonPath, "missing (a saved LRE is PREFIX.json + PREFIX.safetensors)");
        Metadata meta;
        try { meta = JsonSerializer.Deserialize<Metadata>(File.ReadAllText(jsonPath)) ?? throw new JsonException("empty"); }
        catch (JsonException e) { throw RelensException.InFile(jsonPath, $"not a Relens LRE file ({e.Message})"); }
        if (meta.Format != FormatName) throw RelensException.InFile(jsonPath, $"format '{meta.Format}' is not '{FormatName}'");
        if (lm is not null && meta.ModelIdentity != lm.Identity)
            throw RelensException.InFile(jsonPath,
                $"this LRE was estimated on another model (identity {meta.ModelIdentity}, from {meta.ModelDirectory ?? "?"}); " +
                $"the loaded model {lm.Directory} has identity {lm.Identity}. An LRE only means something on the model it came from.");
        using var scope = torch.NewDisposeScope();
        using var file = CheckpointLoader.Open(tensorPath);
        var weight = file.Load("weight", ScalarType.Float32);
        var bias = file.Load("bias", ScalarType.Float32);
        if (weight.dim() != 2 || weight.shape[0] != meta.HiddenSize || weight.shape[1] != meta.HiddenSize)
            throw RelensException.InFile(tensorPath, $"weight has shape [{string.Join(", ", weight.shape)}], expected [{meta.HiddenSize}, {meta.HiddenSize}]");
        if (lm is not null && meta.HiddenSize != lm.Model.HiddenSize)
            throw RelensException.InFile(jsonPath, $"hidden size {meta.HiddenSize} does not match the model's {lm.Model.HiddenSize}");
        var info = new LinearRelationInfo
        {
            Relation = meta.Relation,
            PromptTemplate = meta.PromptTemplate,
            TrainingSamples = meta.TrainingSamples,
            ModelIdentity = meta.ModelIdentity,
            ModelType = meta.ModelType,
            ModelDirectory = meta.ModelDirectory,
            Estimator = meta.Estimator,
            TimingSeconds = meta.TimingSeconds,
        };
        return new LinearRelation(weight, bias, meta.Beta, LayerRef.Parse(meta.Layer), info);
    }
}
