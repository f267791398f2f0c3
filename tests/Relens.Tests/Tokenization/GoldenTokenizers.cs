using System.Collections.Concurrent;
using System.Text.Json;
using Relens.Tokenization;

namespace Relens.Tests.Tokenization;

/// <summary>The golden models' tokenizers, loaded once per test run (each tokenizer.json is ~3.5 MB).</summary>
internal static class GoldenTokenizers
{
    public static readonly string[] ModelNames = ["gpt2-tiny", "gptj-tiny", "neox-tiny", "llama-tiny"];

    private static readonly ConcurrentDictionary<string, Lazy<ITokenizer>> Cache = new();

    public static ITokenizer Get(string model) =>
        Cache.GetOrAdd(model, m => new Lazy<ITokenizer>(() => TokenizerLoader.FromDirectory(TestPaths.Golden(m)))).Value;

    public static ITokenizer Gpt2 => Get("gpt2-tiny");
    public static ITokenizer Llama => Get("llama-tiny");

    public sealed record GoldenPrompt(string Prompt, int[] InputIds, string[] Tokens);

    /// <summary>results[i].prompt / input_ids / tokens of a golden model's golden.json.</summary>
    public static List<GoldenPrompt> Prompts(string model)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(TestPaths.Golden(model), "golden.json")));
        return doc.RootElement.GetProperty("results").EnumerateArray().Select(r => new GoldenPrompt(
            r.GetProperty("prompt").GetString()!,
            r.GetProperty("input_ids").EnumerateArray().Select(x => x.GetInt32()).ToArray(),
            r.GetProperty("tokens").EnumerateArray().Select(x => x.GetString()!).ToArray())).ToList();
    }
}
