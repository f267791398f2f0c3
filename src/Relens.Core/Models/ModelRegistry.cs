using Relens.Models.Gpt2;
using Relens.Models.GptJ;
using Relens.Models.GptNeo;
using Relens.Models.GptNeoX;
using Relens.Models.Llama;
using Relens.Models.Gemma;
using Relens.Models.Gemma2;
using Relens.Models.Olmo2;
using Relens.Models.Phi3;
using Relens.Models.Qwen2;
using Relens.Models.Qwen3;

namespace Relens.Models;

/// <summary>Architectures keyed by config.json model_type — one entry per architecture, no if/else chains.</summary>
public static class ModelRegistry
{
    private static readonly Dictionary<string, IArchitecture> ByType = new(StringComparer.Ordinal);

    static ModelRegistry()
    {
        Register(new Gpt2Architecture());
        Register(new GptJArchitecture());
        Register(new GptNeoArchitecture());
        Register(new GptNeoXArchitecture());
        Register(new LlamaArchitecture());
        // the rotary decoder families on Models/Decoder
        Register(new Qwen2Architecture());
        Register(new Qwen3Architecture());
        Register(new GemmaArchitecture());
        Register(new Gemma2Architecture());
        Register(new Phi3Architecture());
        Register(new Olmo2Architecture());
    }

    public static void Register(IArchitecture architecture)
    {
        foreach (var t in architecture.ModelTypes) ByType[t] = architecture;
    }

    public static IReadOnlyCollection<string> SupportedModelTypes => ByType.Keys.Order().ToList();

    public static IArchitecture Get(ModelConfig config) =>
        ByType.TryGetValue(config.ModelType, out var a) ? a
        : throw RelensException.InFile(config.Path,
            $"unsupported model_type '{config.ModelType}'; Relens supports: {string.Join(", ", SupportedModelTypes)}");
}
