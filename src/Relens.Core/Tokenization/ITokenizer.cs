namespace Relens.Tokenization;

/// <summary>Character span [Start, End) of a token in the encoded string.</summary>
public readonly record struct CharSpan(int Start, int End);

/// <summary>Token ids with their character offsets in the input text (HF's offset_mapping). Offsets are
/// UTF-16 indices into the original string; byte-level tokens exclude the spaces their "Ġ" stands for,
/// special tokens added by the post-processor get (0, 0). Details: HfTokenizer.</summary>
public sealed record TokenizedText(int[] Ids, CharSpan[] Offsets, string[] Tokens)
{
    public int Count => Ids.Length;
}

/// <summary>
/// A tokenizer read from a Hugging Face tokenizer.json. Ids must equal HF's fast tokenizer's.
/// </summary>
public interface ITokenizer
{
    int VocabSize { get; }

    /// <summary>Encodes text; added/special tokens written literally in the text (e.g. "&lt;|endoftext|&gt;")
    /// are recognised as single tokens. With <paramref name="addSpecialTokens"/>, applies the file's
    /// post-processor (LLaMA prepends BOS; GPT-2 adds nothing), as HF does by default.</summary>
    TokenizedText Encode(string text, bool addSpecialTokens = true);

    /// <summary>Decodes one token id to its text (byte-level tokens decoded to UTF-8, "Ġ" → " ").</summary>
    string Decode(int id);

    /// <summary>Decodes a sequence of ids, as HF's decode(skip_special_tokens=False).</summary>
    string Decode(IReadOnlyList<int> ids);

    int? TokenToId(string token);

    int? BosTokenId { get; }
    int? EosTokenId { get; }
    string? BosToken { get; }
    string? EosToken { get; }
}
