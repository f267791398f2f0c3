using System.Text.Json;

namespace Relens.Tests.Models;

/// <summary>Reads ../shared/golden/&lt;model&gt;/golden.json (Hugging Face reference outputs).</summary>
public sealed class GoldenFile
{
    public required string ModelDir { get; init; }
    public required List<GoldenPrompt> Results { get; init; }

    public static GoldenFile Load(string name)
    {
        var dir = TestPaths.Golden(name);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "golden.json")));
        var results = doc.RootElement.GetProperty("results").EnumerateArray().Select(r => new GoldenPrompt
        {
            Prompt = r.GetProperty("prompt").GetString()!,
            InputIds = r.GetProperty("input_ids").EnumerateArray().Select(x => x.GetInt32()).ToArray(),
            Tokens = r.GetProperty("tokens").EnumerateArray().Select(x => x.GetString()!).ToArray(),
            TopIds = r.GetProperty("last_logits_topk_ids").EnumerateArray().Select(x => x.GetInt32()).ToArray(),
            TopValues = r.GetProperty("last_logits_topk_values").EnumerateArray().Select(x => x.GetDouble()).ToArray(),
            LogSumExp = r.GetProperty("last_logits_logsumexp").GetDouble(),
            GreedyId = r.GetProperty("greedy_next_token_id").GetInt32(),
            Hidden = r.GetProperty("hidden_states_last_pos").EnumerateObject()
                .ToDictionary(p => int.Parse(p.Name), p => p.Value.EnumerateArray().Select(x => x.GetDouble()).ToArray()),
        }).ToList();
        return new GoldenFile { ModelDir = dir, Results = results };
    }
}

public sealed class GoldenPrompt
{
    public required string Prompt { get; init; }
    public required int[] InputIds { get; init; }
    public required string[] Tokens { get; init; }
    public required int[] TopIds { get; init; }
    public required double[] TopValues { get; init; }
    public required double LogSumExp { get; init; }
    public required int GreedyId { get; init; }
    public required Dictionary<int, double[]> Hidden { get; init; }
}
