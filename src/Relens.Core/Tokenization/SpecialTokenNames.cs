using System.Text.Json;

namespace Relens.Tokenization;

/// <summary>
/// Which strings are BOS and EOS. A model folder says so in special_tokens_map.json (which wins, as in
/// transformers' from_pretrained) or tokenizer_config.json, as a string or {"content": …}; null there
/// means "none". Without those files: BOS is the special token the post-processor puts first, EOS the
/// one it puts last; failing that, a conventional name among the added tokens.
/// </summary>
internal static class SpecialTokenNames
{
    private static readonly string[] ConventionalBos = ["<s>", "<|begin_of_text|>", "<bos>", "<|endoftext|>"];
    private static readonly string[] ConventionalEos = ["</s>", "<|end_of_text|>", "<eos>", "<|endoftext|>"];

    /// <summary>The token a config file names for <paramref name="key"/> ("bos_token"), or
    /// (Found: false) when the file does not mention the key.</summary>
    public static (bool Found, string? Token) FromConfig(string path, JsonElement root, string key)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty(key, out var v)) return (false, null);
        return v.ValueKind switch
        {
            JsonValueKind.Null => (true, null),
            JsonValueKind.String => (true, v.GetString()),
            JsonValueKind.Object when v.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String
                => (true, c.GetString()),
            _ => throw RelensException.InFile(path, $"\"{key}\" should be a string or {{\"content\": …}} but is {JsonFields.Describe(v)}"),
        };
    }

    public static string? Bos(TokenizerPipeline p) =>
        TemplateEnd(p.PostProcessor, first: true) ?? Conventional(p, ConventionalBos);

    public static string? Eos(TokenizerPipeline p) =>
        TemplateEnd(p.PostProcessor, first: false) ?? Conventional(p, ConventionalEos);

    /// <summary>The special token before (first) or after (!first) the sequence in the template.</summary>
    private static string? TemplateEnd(IPostProcessor? post, bool first)
    {
        var template = post switch
        {
            TemplatePostProcessor t => t,
            SequencePostProcessor s => s.Steps.OfType<TemplatePostProcessor>().FirstOrDefault(),
            _ => null,
        };
        if (template is null) return null;
        var parts = first ? template.Single : template.Single.Reverse().ToList();
        return parts.FirstOrDefault() is TemplatePart.Special sp && sp.Tokens.Length > 0
            ? (first ? sp.Tokens[0] : sp.Tokens[^1])
            : null;
    }

    private static string? Conventional(TokenizerPipeline p, string[] names) =>
        names.FirstOrDefault(n => p.AddedTokens.Any(t => t.Special && t.Content == n));
}
