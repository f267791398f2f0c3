namespace Relens.Models;

/// <summary>
/// The three models of Hernandez et al. (2023), recognised by architecture and size, so their per-relation
/// settings (relations/hparams/&lt;key&gt;/, see Relens.Relations.PaperHparams) can serve as defaults.
/// </summary>
public static class PaperModels
{
    public const string GptJ = "gptj";
    public const string Gpt2Xl = "gpt2-xl";
    public const string Llama = "llama";

    private static readonly (string Key, string ModelType, int Layers, int Hidden)[] Known =
    [
        (GptJ, "gptj", 28, 4096),      // GPT-J-6B
        (Gpt2Xl, "gpt2", 48, 1600),    // GPT-2-XL
        (Llama, "llama", 40, 5120),    // LLaMA-13B
    ];

    /// <summary>"gptj", "gpt2-xl", "llama" (the hparams folder names) or null for any other model.</summary>
    public static string? Recognise(LanguageModel lm) => Recognise(lm.ModelType, lm.Model.NumLayers, lm.Model.HiddenSize);

    public static string? Recognise(string modelType, int layers, int hiddenSize) =>
        Known.FirstOrDefault(k => k.ModelType == modelType && k.Layers == layers && k.Hidden == hiddenSize).Key;
}
