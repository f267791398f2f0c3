using System.Text.Json;
using System.Text.Json.Nodes;

namespace Relens.Models.GptNeo;

/// <summary>GPT-Neo's config.json fields (HF names, configuration_gpt_neo.py), with HF's defaults.</summary>
public sealed record GptNeoConfig
{
    public const string Global = "global";
    public const string Local = "local";

    public int VocabSize { get; init; } = 50257;
    public int MaxPositionEmbeddings { get; init; } = 2048;
    public int HiddenSize { get; init; } = 2048;
    public int NumLayers { get; init; } = 24;
    public int NumHeads { get; init; } = 16;
    public int? IntermediateSize { get; init; }
    /// <summary>A local layer's query i sees key j iff i − window_size &lt; j ≤ i (HF's bias ^ tril(bias, −window_size)).</summary>
    public int WindowSize { get; init; } = 256;
    /// <summary>"global" or "local" per layer: HF's attention_layers, the expansion of attention_types.</summary>
    public IReadOnlyList<string> AttentionLayers { get; init; } = Enumerable.Range(0, 24).Select(l => l % 2 == 0 ? Global : Local).ToArray();
    public string ActivationFunction { get; init; } = "gelu_new";
    public double LayerNormEpsilon { get; init; } = 1e-5;
    public bool TieWordEmbeddings { get; init; } = true;
    public int BosTokenId { get; init; } = 50256;
    public int EosTokenId { get; init; } = 50256;

    public int InnerSize => IntermediateSize ?? 4 * HiddenSize;

    /// <summary>The window of <paramref name="layer"/>, or null for a global layer.</summary>
    public int? WindowOf(int layer) => AttentionLayers[layer] == Local ? WindowSize : null;

    /// <summary>Per-layer types with the first <paramref name="local"/> of <paramref name="total"/> layers local, the rest global.</summary>
    public static IReadOnlyList<string> Layers(int local, int total) =>
        Enumerable.Range(0, total).Select(l => l < local ? Local : Global).ToArray();

    public static GptNeoConfig From(ModelConfig c)
    {
        int layers = c.Int("num_layers", "num_hidden_layers");
        var config = new GptNeoConfig
        {
            VocabSize = c.Int("vocab_size"),
            MaxPositionEmbeddings = c.IntOr(2048, "max_position_embeddings"),
            HiddenSize = c.Int("hidden_size"),
            NumLayers = layers,
            NumHeads = c.Int("num_heads", "num_attention_heads"),
            IntermediateSize = c.Has("intermediate_size") ? c.Int("intermediate_size") : null,
            WindowSize = c.IntOr(256, "window_size"),
            AttentionLayers = ReadLayers(c, layers),
            ActivationFunction = c.StringOr("gelu_new", "activation_function")!,
            LayerNormEpsilon = c.DoubleOr(1e-5, "layer_norm_epsilon"),
            TieWordEmbeddings = c.BoolOr(true, "tie_word_embeddings"),
            BosTokenId = c.IntOr(50256, "bos_token_id"),
            EosTokenId = c.IntOr(50256, "eos_token_id"),
        };
        if (config.HiddenSize % config.NumHeads != 0)
            throw RelensException.InFile(c.Path, $"hidden_size {config.HiddenSize} is not divisible by num_heads {config.NumHeads}");
        if (config.WindowSize < 1 && config.AttentionLayers.Contains(Local))
            throw RelensException.InFile(c.Path, $"window_size {config.WindowSize} must be ≥ 1 when a layer is local");
        Activations.Get(config.ActivationFunction, c.Path);
        return config;
    }

    // HF expands attention_types ([[types, repeat], ...]) into attention_layers and requires one per layer.
    private static IReadOnlyList<string> ReadLayers(ModelConfig c, int layers)
    {
        List<string> expanded = [];
        if (!c.Has("attention_types"))
            expanded.AddRange(Enumerable.Range(0, 12).SelectMany(_ => new[] { Global, Local })); // HF's default [[["global", "local"], 12]]
        else
        {
            try
            {
                foreach (var item in c.Json["attention_types"]!.AsArray())
                {
                    var pair = item!.AsArray();
                    var types = pair[0]!.AsArray().Select(t => t!.GetValue<string>()).ToList();
                    int repeat = pair[1]!.GetValue<int>();
                    for (int r = 0; r < repeat; r++) expanded.AddRange(types);
                }
            }
            catch (Exception e) when (e is InvalidOperationException or FormatException or ArgumentOutOfRangeException or NullReferenceException)
            {
                throw RelensException.InFile(c.Path, $"\"attention_types\" must look like [[[\"global\", \"local\"], 12]], got {c.Json["attention_types"]!.ToJsonString()}");
            }
        }
        if (expanded.FirstOrDefault(t => t is not (Global or Local)) is { } bad)
            throw RelensException.InFile(c.Path, $"attention type '{bad}' is neither \"global\" nor \"local\"");
        if (expanded.Count != layers)
            throw RelensException.InFile(c.Path, $"\"attention_types\" expands to {expanded.Count} layers, num_layers is {layers}");
        if (c.Has("attention_layers"))
        {
            var listed = c.Json["attention_layers"]!.AsArray().Select(t => t?.GetValueKind() == JsonValueKind.String ? t.GetValue<string>() : "?").ToList();
            if (!listed.SequenceEqual(expanded))
                throw RelensException.InFile(c.Path, $"\"attention_layers\" [{string.Join(", ", listed)}] disagrees with \"attention_types\" [{string.Join(", ", expanded)}]");
        }
        return expanded;
    }

    /// <summary>config.json as HF transformers writes it for GPTNeoForCausalLM.</summary>
    public JsonObject ToJson() => new()
    {
        ["architectures"] = new JsonArray("GPTNeoForCausalLM"),
        ["model_type"] = "gpt_neo",
        ["vocab_size"] = VocabSize,
        ["max_position_embeddings"] = MaxPositionEmbeddings,
        ["hidden_size"] = HiddenSize,
        ["num_layers"] = NumLayers,
        ["num_heads"] = NumHeads,
        ["intermediate_size"] = IntermediateSize,
        ["window_size"] = WindowSize,
        ["attention_types"] = AttentionTypes(),
        ["attention_layers"] = new JsonArray(AttentionLayers.Select(t => (JsonNode)JsonValue.Create(t)!).ToArray()),
        ["activation_function"] = ActivationFunction,
        ["layer_norm_epsilon"] = LayerNormEpsilon,
        ["tie_word_embeddings"] = TieWordEmbeddings,
        ["bos_token_id"] = BosTokenId,
        ["eos_token_id"] = EosTokenId,
        ["resid_dropout"] = 0.0, ["embed_dropout"] = 0.0, ["attention_dropout"] = 0.0,
        ["initializer_range"] = 0.02,
        ["torch_dtype"] = "float32",
    };

    // runs of equal types: local×3, global×3 → [[["local"], 3], [["global"], 3]]
    private JsonArray AttentionTypes()
    {
        var runs = new JsonArray();
        for (int l = 0; l < AttentionLayers.Count;)
        {
            int end = l;
            while (end < AttentionLayers.Count && AttentionLayers[end] == AttentionLayers[l]) end++;
            runs.Add(new JsonArray(new JsonArray(AttentionLayers[l]), end - l));
            l = end;
        }
        return runs;
    }
}
