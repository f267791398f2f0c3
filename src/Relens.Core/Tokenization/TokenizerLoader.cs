using System.Text.Json;

namespace Relens.Tokenization;

/// <summary>Reads a Hugging Face "fast" tokenizer (tokenizer.json) into an <see cref="ITokenizer"/>.</summary>
public static class TokenizerLoader
{
    public const string TokenizerFileName = "tokenizer.json";

    // special_tokens_map.json first: transformers' from_pretrained lets it override tokenizer_config.json.
    private static readonly string[] ConfigFileNames = ["special_tokens_map.json", "tokenizer_config.json"];

    /// <summary>Loads <c>modelDir/tokenizer.json</c>; BOS/EOS come from the folder's special_tokens_map.json
    /// or tokenizer_config.json when present.</summary>
    /// <exception cref="RelensException">The folder or a file is missing, unreadable or malformed.</exception>
    public static ITokenizer FromDirectory(string modelDir)
    {
        if (!Directory.Exists(modelDir)) throw RelensException.InFile(modelDir, "model folder not found");
        var path = Path.Combine(modelDir, TokenizerFileName);
        if (!File.Exists(path))
            throw RelensException.InFile(path, "not found; Relens needs the Hugging Face 'fast' tokenizer file tokenizer.json in the model folder");

        var configs = new List<(string Path, JsonDocument Doc)>();
        try
        {
            foreach (var name in ConfigFileNames)
            {
                var configPath = Path.Combine(modelDir, name);
                if (File.Exists(configPath)) configs.Add((configPath, ParseJson(configPath)));
            }
            return Load(path, configs.Select(c => (c.Path, c.Doc.RootElement)).ToList());
        }
        finally
        {
            foreach (var (_, doc) in configs) doc.Dispose();
        }
    }

    /// <summary>Loads a tokenizer.json on its own; BOS/EOS are inferred from the file.</summary>
    /// <exception cref="RelensException">The file is missing, unreadable or malformed.</exception>
    public static ITokenizer FromFile(string tokenizerJsonPath)
    {
        if (!File.Exists(tokenizerJsonPath)) throw RelensException.InFile(tokenizerJsonPath, "tokenizer file not found");
        return Load(tokenizerJsonPath, []);
    }

    private static HfTokenizer Load(string path, List<(string Path, JsonElement Root)> configs)
    {
        TokenizerPipeline pipeline;
        using (var doc = ParseJson(path))
        {
            try { pipeline = TokenizerJsonReader.Read(doc.RootElement); }
            catch (TokenizerFormatException e) { throw RelensException.InFile(path, e.Message); }
        }
        var bos = Resolve(pipeline, configs, "bos_token", SpecialTokenNames.Bos);
        var eos = Resolve(pipeline, configs, "eos_token", SpecialTokenNames.Eos);
        var tokenizer = new HfTokenizer(pipeline, bos.Token, eos.Token);
        foreach (var (token, source) in new[] { bos, eos })
            if (token is not null && tokenizer.TokenToId(token) is null)
                throw RelensException.InFile(source ?? path, $"special token \"{token}\" is not in the vocabulary of {path}");
        return tokenizer;
    }

    /// <summary>The token for <paramref name="key"/> and the config file that named it (null source: inferred).</summary>
    private static (string? Token, string? Source) Resolve(TokenizerPipeline p,
        List<(string Path, JsonElement Root)> configs, string key, Func<TokenizerPipeline, string?> infer)
    {
        foreach (var (configPath, root) in configs)
        {
            var (found, token) = SpecialTokenNames.FromConfig(configPath, root, key);
            if (found) return (token, configPath);
        }
        return (infer(p), null);
    }

    private static JsonDocument ParseJson(string path)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw RelensException.InFile(path, $"cannot be read: {e.Message}");
        }
        try { return JsonDocument.Parse(bytes); }
        catch (JsonException e) { throw RelensException.InFile(path, $"is not valid JSON: {e.Message}"); }
    }
}
