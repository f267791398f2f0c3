namespace Relens.Reporting;

/// <summary>
/// The paper's published per-category means for its three models (LRE-METHOD §9, from the paper's notebooks:
/// faithfulness under faithfulness-best settings, causality at the causality-best layer). Shown beside a run
/// made with that model's hparams as the paper's figures for reference, never as a check of the run.
/// </summary>
public static class PaperFigures
{
    public sealed record CategoryMeans(double Faithfulness, double Causality);

    /// <summary>Model key (the hparams folder) → category → means.</summary>
    private static readonly Dictionary<string, Dictionary<string, CategoryMeans>> Means = new()
    {
        ["gpt2-xl"] = new() { ["factual"] = new(.55, .65), ["linguistic"] = new(.74, .82), ["bias"] = new(.82, .91), ["commonsense"] = new(.70, .82) },
        ["gptj"] = new() { ["factual"] = new(.64, .72), ["linguistic"] = new(.83, .92), ["bias"] = new(.91, .98), ["commonsense"] = new(.78, .88) },
        ["llama"] = new() { ["factual"] = new(.60, .67), ["linguistic"] = new(.85, .87), ["bias"] = new(.84, .96), ["commonsense"] = new(.66, .68) },
    };

    /// <summary>The paper's name for a model key.</summary>
    public static string ModelName(string key) => key switch
    {
        "gptj" => "GPT-J-6B",
        "gpt2-xl" => "GPT-2-XL",
        "llama" => "LLaMA-13B",
        _ => key,
    };

    /// <summary>The paper's means for <paramref name="modelKey"/> and <paramref name="category"/>, or null.</summary>
    public static CategoryMeans? For(string? modelKey, string category) =>
        modelKey is not null && Means.TryGetValue(modelKey, out var byCategory) && byCategory.TryGetValue(category, out var m) ? m : null;
}
