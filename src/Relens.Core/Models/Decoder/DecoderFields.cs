using System.Text.Json;
using System.Text.Json.Nodes;

namespace Relens.Models.Decoder;

/// <summary>
/// config.json fields the rotary decoder families share, read with HF's names and each family's defaults, and
/// checked: a value Relens cannot honour is an error naming the file and the field.
/// </summary>
public static class DecoderFields
{
    public const string SlidingAttention = "sliding_attention";
    public const string FullAttention = "full_attention";

    /// <summary>Head counts and width: num_key_value_heads defaults to num_attention_heads, head_dim to
    /// <paramref name="defaultHeadDim"/> (null = hidden_size / num_attention_heads, HF's getattr fallback).</summary>
    public static (int Hidden, int Heads, int KvHeads, int HeadDim) Attention(ModelConfig c, int? defaultHeadDim = null)
    {
        int hidden = c.Int("hidden_size"), heads = c.Int("num_attention_heads");
        if (hidden <= 0 || heads <= 0) throw RelensException.InFile(c.Path, $"hidden_size {hidden} and num_attention_heads {heads} must be positive");
        if (!c.Has("head_dim") && defaultHeadDim is null && hidden % heads != 0)
            throw RelensException.InFile(c.Path, $"hidden_size {hidden} is not divisible by num_attention_heads {heads} (and there is no \"head_dim\")");
        int kvHeads = c.IntOr(heads, "num_key_value_heads");
        int headDim = c.IntOr(defaultHeadDim ?? hidden / heads, "head_dim");
        if (kvHeads <= 0 || heads % kvHeads != 0)
            throw RelensException.InFile(c.Path, $"num_attention_heads {heads} is not a multiple of num_key_value_heads {kvHeads}");
        if (headDim <= 0) throw RelensException.InFile(c.Path, $"head_dim {headDim} must be positive");
        return (hidden, heads, kvHeads, headDim);
    }

    /// <summary>Rotated features per head: head_dim · partial_rotary_factor (HF's int()), even and positive.</summary>
    public static int RotaryDim(ModelConfig c, int headDim)
    {
        double factor = c.DoubleOr(1.0, "partial_rotary_factor");
        if (factor is <= 0 or > 1) throw RelensException.InFile(c.Path, $"\"partial_rotary_factor\" {factor} must be in (0, 1]");
        int dim = (int)(headDim * factor);
        if (dim <= 0 || dim % 2 != 0)
            throw RelensException.InFile(c.Path, $"rotary dimension {dim} (head_dim {headDim} × partial_rotary_factor {factor}) must be a positive even number");
        return dim;
    }

    /// <summary>rope_theta, or transformers 5's rope_parameters.rope_theta.</summary>
    public static double RopeTheta(ModelConfig c, double fallback)
    {
        if (c.Has("rope_theta")) return c.Double("rope_theta");
        if (c.Json["rope_parameters"] is JsonObject p && p["rope_theta"] is JsonValue v && v.GetValueKind() == JsonValueKind.Number)
            return v.GetValue<double>();
        return fallback;
    }

    /// <summary>rope_scaling (or rope_parameters); types Relens does not implement (longrope, yarn, dynamic, …) are refused.</summary>
    public static RopeScaling? RopeScaling(ModelConfig c) =>
        c.Has("rope_scaling") ? Models.RopeScaling.From(c, "rope_scaling") : Models.RopeScaling.From(c, "rope_parameters");

    /// <summary>The activation in <paramref name="field"/> (or <paramref name="fallback"/>), refused naming the field if unknown.</summary>
    public static string Activation(ModelConfig c, string field, string fallback)
    {
        string name = c.StringOr(fallback, field)!;
        Activations.Validate(name, c.Path, field);
        return name;
    }

    /// <summary>A double field where an explicit null switches the feature off and absence means <paramref name="fallback"/>.</summary>
    public static double? OptionalPositive(ModelConfig c, string field, double? fallback)
    {
        double? value = c.Json.ContainsKey(field) ? (c.Has(field) ? c.Double(field) : null) : fallback;
        if (value is <= 0) throw RelensException.InFile(c.Path, $"\"{field}\" must be positive or null, found {value}");
        return value;
    }

    /// <summary>
    /// layer_types (transformers ≥ 4.53: "sliding_attention" / "full_attention" per layer) as sliding flags, or null
    /// when the config has none (each family then applies its own older rule).
    /// </summary>
    public static bool[]? SlidingLayers(ModelConfig c, int layers)
    {
        if (!c.Has("layer_types")) return null;
        if (c.Json["layer_types"] is not JsonArray types)
            throw RelensException.InFile(c.Path, "\"layer_types\" must be a list of \"sliding_attention\" / \"full_attention\"");
        if (types.Count != layers)
            throw RelensException.InFile(c.Path, $"\"layer_types\" has {types.Count} entries but num_hidden_layers is {layers}");
        return types.Select((t, i) =>
        {
            string? type = t is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
            return type switch
            {
                SlidingAttention => true,
                FullAttention => false,
                _ => throw RelensException.InFile(c.Path, $"\"layer_types\"[{i}] is {t?.ToJsonString() ?? "null"}; Relens supports \"{SlidingAttention}\" and \"{FullAttention}\""),
            };
        }).ToArray();
    }

    /// <summary>Per layer: <paramref name="window"/> where <paramref name="sliding"/> says so, else null (global).</summary>
    public static int?[] Windows(ModelConfig c, bool[] sliding, int? window)
    {
        if (window is <= 0) throw RelensException.InFile(c.Path, $"\"sliding_window\" must be positive or null, found {window}");
        if (window is null && sliding.Any(s => s))
            throw RelensException.InFile(c.Path, $"layer {Array.IndexOf(sliding, true)} uses sliding attention but the config has no sliding window (\"sliding_window\" is null or disabled)");
        return sliding.Select(s => s ? window : null).ToArray();
    }

    /// <summary>An int field that may be null (null = none) with <paramref name="fallback"/> when absent.</summary>
    public static int? OptionalInt(ModelConfig c, string field, int? fallback) =>
        c.Json.ContainsKey(field) ? (c.Has(field) ? c.Int(field) : null) : fallback;

    /// <summary>Refuses a boolean feature Relens does not implement when the config switches it on.</summary>
    public static void RefuseIfTrue(ModelConfig c, string field, string what)
    {
        if (c.BoolOr(false, field)) throw RelensException.InFile(c.Path, $"\"{field}\": true is not supported ({what})");
    }

    /// <summary>The common config.json of `relens model init` for these families (HF field names).</summary>
    public static JsonObject Template(string modelType, string className, ModelShape s) => new()
    {
        ["architectures"] = new JsonArray(className),
        ["model_type"] = modelType,
        ["vocab_size"] = s.Vocab,
        ["hidden_size"] = s.Dim,
        ["intermediate_size"] = 4 * s.Dim,
        ["num_hidden_layers"] = s.Layers,
        ["num_attention_heads"] = s.Heads,
        ["num_key_value_heads"] = s.Heads,
        ["head_dim"] = s.Dim / s.Heads,
        ["max_position_embeddings"] = s.Positions,
        ["initializer_range"] = ModelInit.InitializerRange,
        ["torch_dtype"] = "float32",
    };
}
