using System.Text.Json;
using System.Text.Json.Nodes;

namespace Relens.Models;

/// <summary>
/// config.json "rope_scaling": how a model stretches its rotary frequencies beyond the trained context.
/// Supported: none (null or type "default"), "linear" (positions divided by factor, as HF's
/// LlamaLinearScalingRotaryEmbedding) and "llama3" (Llama 3.1's per-frequency interpolation). Others
/// ("dynamic", "yarn", …) change results with the sequence length and are refused rather than ignored.
/// </summary>
public sealed record RopeScaling(string Type, double Factor, double LowFreqFactor = 1, double HighFreqFactor = 4,
    int OriginalMaxPositionEmbeddings = 8192)
{
    public const string Linear = "linear";
    public const string Llama3 = "llama3";

    /// <summary>Null when the config has no (or "default") rope scaling.</summary>
    public static RopeScaling? From(ModelConfig config) => From(config, "rope_scaling");

    /// <summary>The scaling described by the object in <paramref name="field"/> ("rope_scaling", or transformers 5's
    /// "rope_parameters", which holds the same keys plus rope_theta).</summary>
    public static RopeScaling? From(ModelConfig config, string field)
    {
        if (!config.Has(field)) return null;
        if (config.Json[field] is not JsonObject o)
            throw RelensException.InFile(config.Path, $"\"{field}\" must be null or an object");
        // HF renamed "type" to "rope_type"; both occur in published configs.
        string? type = Text(o, "rope_type") ?? Text(o, "type");
        switch (type)
        {
            case null or "default": return null;
            case Linear: return new RopeScaling(Linear, Number(config, o, field, "factor"));
            case Llama3:
                return new RopeScaling(Llama3, Number(config, o, field, "factor"), Number(config, o, field, "low_freq_factor"),
                    Number(config, o, field, "high_freq_factor"), (int)Number(config, o, field, "original_max_position_embeddings"));
            default:
                throw RelensException.InFile(config.Path, $"{field} type '{type}' is not supported (supported: null, \"{Linear}\", \"{Llama3}\")");
        }
    }

    /// <summary>Llama 3.1: long wavelengths slowed by factor, short ones kept, the band between interpolated.</summary>
    public double AdjustInverseFrequency(double invFreq)
    {
        if (Type != Llama3) return invFreq;
        double lowFreqWavelen = OriginalMaxPositionEmbeddings / LowFreqFactor;
        double highFreqWavelen = OriginalMaxPositionEmbeddings / HighFreqFactor;
        double wavelen = 2 * Math.PI / invFreq;
        if (wavelen < highFreqWavelen) return invFreq;
        if (wavelen > lowFreqWavelen) return invFreq / Factor;
        double smooth = (OriginalMaxPositionEmbeddings / wavelen - LowFreqFactor) / (HighFreqFactor - LowFreqFactor);
        return (1 - smooth) * invFreq / Factor + smooth * invFreq;
    }

    /// <summary>What positions are divided by before the angles are formed ("linear"; 1 otherwise).</summary>
    public double PositionDivisor => Type == Linear ? Factor : 1;

    private static string? Text(JsonObject o, string key) =>
        o[key] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    private static double Number(ModelConfig config, JsonObject o, string field, string key) =>
        o[key] is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? v.GetValue<double>()
        : throw RelensException.InFile(config.Path, $"{field} needs a number \"{key}\"");
}
