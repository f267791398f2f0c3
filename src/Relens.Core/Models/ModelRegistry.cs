using Relens.Models.Gpt2;
using Relens.Models.GptJ;
using Relens.Models.GptNeo;
using Relens.Models.GptNeoX;
using Relens.Models.Llama;

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
