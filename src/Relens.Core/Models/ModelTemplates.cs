using System.Text.Json;
using System.Text.Json.Nodes;
using Relens.Checkpoints;
using Relens.Models.Gpt2;
using Relens.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Models;

/// <summary>The size of a new model (`relens model init`); architecture-specific fields keep HF defaults.</summary>
public sealed record ModelShape(int Layers, int Dim, int Heads, int Vocab, int Positions = 1024)
{
    public void Validate()
    {
        foreach (var (name, value) in new[] { ("layers", Layers), ("dim", Dim), ("heads", Heads), ("vocab", Vocab), ("positions", Positions) })
            if (value <= 0) throw new RelensException($"--{name} must be a positive integer, got {value}");
        if (Dim % Heads != 0) throw new RelensException($"--dim {Dim} is not divisible by --heads {Heads}");
    }
}

/// <summary>
/// Builds config.json for a new model of a given architecture (HF's <c>--arch</c> names = model_type) and
/// writes randomly initialised HF checkpoint folders. An architecture joins by registering its config
/// writer (its config class's ToJson), e.g. <c>Register("llama", s => new LlamaConfig { … }.ToJson())</c>.
/// </summary>
public static class ModelTemplates
{
    private static readonly Dictionary<string, Func<ModelShape, JsonObject>> Configs = new(StringComparer.Ordinal)
    {
        ["gpt2"] = s => new Gpt2Config { NLayer = s.Layers, NEmbd = s.Dim, NHead = s.Heads, VocabSize = s.Vocab, NPositions = s.Positions }.ToJson(),
        // GPT-J-6B rotates a quarter of each head (64 of 256); a smaller head keeps that share (at least 2, even)
        ["gptj"] = s => new GptJ.GptJConfig
        {
            NLayer = s.Layers, NEmbd = s.Dim, NHead = s.Heads, VocabSize = s.Vocab, NPositions = s.Positions,
            RotaryDim = Math.Max(2, s.Dim / s.Heads / 4 / 2 * 2),
        }.ToJson(),
        ["qwen2"] = Qwen2.Qwen2Config.Template,
        ["llama"] = LlamaTemplate,
        ["gpt_neox"] = NeoXTemplate,
        ["qwen3"] = Qwen3.Qwen3Config.Template,
        ["gemma"] = Gemma.GemmaConfig.Template,
        ["gemma2"] = Gemma2.Gemma2Config.Template,
        ["phi3"] = Phi3.Phi3Config.Template,
        ["olmo2"] = Olmo2.Olmo2Config.Template,
    };

    public static void Register(string arch, Func<ModelShape, JsonObject> config) => Configs[arch] = config;

    // LLaMA's SwiGLU width: 8d/3 rounded up to a multiple of 256 (2816 at d = 1024; of d itself for small models)
    private static JsonObject LlamaTemplate(ModelShape s)
    {
        var json = Decoder.DecoderFields.Template("llama", "LlamaForCausalLM", s);
        int multiple = Math.Min(256, s.Dim);
        json["intermediate_size"] = (int)Math.Ceiling(8.0 * s.Dim / 3 / multiple) * multiple;
        json["hidden_act"] = "silu";
        json["rms_norm_eps"] = 1e-6;
        json["rope_theta"] = 10000.0;
        json["tie_word_embeddings"] = false;
        return json;
    }

    // Pythia's defaults: a quarter of each head rotated, parallel residual, gelu
    private static JsonObject NeoXTemplate(ModelShape s) => new()
    {
        ["architectures"] = new JsonArray("GPTNeoXForCausalLM"),
        ["model_type"] = "gpt_neox",
        ["vocab_size"] = s.Vocab,
        ["hidden_size"] = s.Dim,
        ["intermediate_size"] = 4 * s.Dim,
        ["num_hidden_layers"] = s.Layers,
        ["num_attention_heads"] = s.Heads,
        ["max_position_embeddings"] = s.Positions,
        ["rotary_pct"] = 0.25,
        ["rotary_emb_base"] = 10000.0,
        ["layer_norm_eps"] = 1e-5,
        ["use_parallel_residual"] = true,
        ["hidden_act"] = "gelu",
        ["tie_word_embeddings"] = false,
        ["initializer_range"] = ModelInit.InitializerRange,
        ["torch_dtype"] = "float32",
    };

    public static IReadOnlyCollection<string> SupportedArchitectures => Configs.Keys.Order(StringComparer.Ordinal).ToList();

    /// <summary>Names `relens bench --arch` uses for the HF model types (one vocabulary for both commands).</summary>
    private static readonly Dictionary<string, string> Aliases = new() { ["neox"] = "gpt_neox" };

    /// <summary>config.json for <paramref name="arch"/> (a model type, or an alias such as "neox") at <paramref name="shape"/>.</summary>
    public static ModelConfig Config(string arch, ModelShape shape)
    {
        shape.Validate();
        if (!Configs.TryGetValue(Aliases.GetValueOrDefault(arch, arch), out var make))
            throw new RelensException($"--arch '{arch}' is not supported by model init yet; supported: {string.Join(", ", SupportedArchitectures)}");
        return ModelConfig.FromJson(make(shape));
    }

    /// <summary>A model of <paramref name="config"/> with <see cref="ModelInit"/> weights for <paramref name="seed"/>.</summary>
    public static TransformerLM CreateRandom(ModelConfig config, long seed, ScalarType dtype = ScalarType.Float32)
    {
        var model = ModelRegistry.Get(config).Create(config, dtype);
        ModelInit.Initialize(model, seed);
        return model;
    }

    /// <summary>
    /// Writes a Hugging Face model folder: config.json, model.safetensors (parameter names are HF's keys;
    /// tied weights once) and, from <paramref name="tokenizerFrom"/>, tokenizer.json plus the special-token
    /// files that name BOS/EOS. Returns the files written.
    /// </summary>
    public static IReadOnlyList<string> WriteFolder(TransformerLM model, ModelConfig config, string outDir, string? tokenizerFrom)
    {
        outDir = Path.GetFullPath(outDir);
        var tokenizerFiles = tokenizerFrom is null ? [] : TokenizerFiles(tokenizerFrom, config);
        Directory.CreateDirectory(outDir);
        var written = new List<string>();
        string configPath = Path.Combine(outDir, "config.json");
        File.WriteAllText(configPath, config.Json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        written.Add(configPath);
        var tensors = model.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).ToList();
        written.AddRange(SafetensorsWriter.WriteSharded(outDir, tensors, long.MaxValue));
        foreach (var file in tokenizerFiles)
        {
            // bytes, not File.Copy: a copy would keep the source's permissions (shared folders are read-only)
            string target = Path.Combine(outDir, Path.GetFileName(file));
            if (File.Exists(target)) File.SetAttributes(target, FileAttributes.Normal);
            File.WriteAllBytes(target, File.ReadAllBytes(file));
            written.Add(target);
        }
        return written;
    }

    /// <summary>tokenizer.json and the config files TokenizerLoader reads BOS/EOS from, checked to fit the vocabulary.</summary>
    private static List<string> TokenizerFiles(string folder, ModelConfig config)
    {
        var tokenizer = TokenizerLoader.FromDirectory(Path.GetFullPath(folder)); // validates before anything is written
        int vocab = config.Int("vocab_size");
        if (tokenizer.VocabSize > vocab)
            throw new RelensException($"the tokenizer in {folder} has {tokenizer.VocabSize} tokens but the model's vocabulary is {vocab}: token ids would be out of range");
        return new[] { TokenizerLoader.TokenizerFileName, "special_tokens_map.json", "tokenizer_config.json" }
            .Select(f => Path.Combine(Path.GetFullPath(folder), f)).Where(File.Exists).ToList();
    }
}
