using Relens.Tokenization;

namespace Relens.World;

/// <summary>
/// A byte-level BPE vocabulary as the trainer made it: tokens (id = index) and ordered merges. It does not
/// encode text itself: <see cref="Tokenizer"/> writes it as tokenizer.json and loads that through the library's
/// tokenizer reader, so training, evaluation and every run cut text with the same code (and the same file).
/// </summary>
public sealed class BpeVocabulary
{
    public IReadOnlyList<string> Tokens { get; }
    public IReadOnlyList<(string Left, string Right)> Merges { get; }
    public IReadOnlyList<string> SpecialTokens { get; }

    public BpeVocabulary(IReadOnlyList<string> tokens, IReadOnlyList<(string, string)> merges, IReadOnlyList<string> specialTokens)
    {
        Tokens = tokens;
        Merges = merges;
        SpecialTokens = specialTokens;
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in tokens)
            if (!ids.Add(t)) throw new RelensException($"token '{t}' occurs twice in the vocabulary");
    }

    public int VocabSize => Tokens.Count;
    /// <summary>The first special token ("&lt;|endoftext|&gt;"): GPT-2's BOS, EOS and UNK in one.</summary>
    public string? EosToken => SpecialTokens.Count > 0 ? SpecialTokens[0] : null;
    public int? EosTokenId => EosToken is { } t ? Tokens.ToList().IndexOf(t) : null;

    /// <summary>Writes tokenizer.json and tokenizer_config.json into <paramref name="dir"/> and loads them with
    /// <see cref="TokenizerLoader"/> (the loader every model folder goes through).</summary>
    public ITokenizer Tokenizer(string dir, int modelMaxLength)
    {
        Directory.CreateDirectory(dir);
        TokenizerJson.Write(this, Path.Combine(dir, TokenizerLoader.TokenizerFileName));
        TokenizerJson.WriteConfig(this, Path.Combine(dir, "tokenizer_config.json"), modelMaxLength);
        return TokenizerLoader.FromDirectory(dir);
    }
}
