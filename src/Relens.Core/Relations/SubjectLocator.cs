using Relens.Tokenization;

namespace Relens.Relations;

/// <summary>Finds the subject's last token in a tokenized prompt (i_s of LRE-METHOD §2).</summary>
public static class SubjectLocator
{
    /// <summary>
    /// Index of the token holding the last character of the LAST occurrence of
    /// <paramref name="subject"/> in <paramref name="prompt"/> (the paper's <c>find_subject_token_index</c>:
    /// <c>rindex</c>, char_end = start + len, then the first token with start ≤ char_end ≤ end).
    /// Tokens with an empty span (special tokens added by the tokenizer, such as LLaMA's BOS at (0,0))
    /// hold no character and are skipped; with ordered offsets the paper's rule never picks them either.
    /// </summary>
    /// <param name="prompt">The exact text that was encoded.</param>
    /// <param name="encoding">The tokenizer's output for <paramref name="prompt"/>, with UTF-16 offsets.</param>
    /// <param name="subject">The subject string.</param>
    public static int LastTokenIndex(string prompt, TokenizedText encoding, string subject)
    {
        ArgumentException.ThrowIfNullOrEmpty(subject);
        int start = prompt.LastIndexOf(subject, StringComparison.Ordinal);
        if (start < 0)
            throw new RelensException($"subject '{subject}' does not occur in prompt '{prompt}'");
        int charEnd = start + subject.Length;

        for (int i = 0; i < encoding.Offsets.Length; i++)
        {
            var span = encoding.Offsets[i];
            if (span.Start == span.End) continue;
            if (span.Start <= charEnd && charEnd <= span.End) return i;
        }
        throw new RelensException(
            $"no token covers the end (character {charEnd}) of subject '{subject}' in prompt '{prompt}': "
            + "the tokenizer's offsets do not match the prompt text");
    }

    /// <summary>Encodes <paramref name="prompt"/> as the model sees it (with the tokenizer's special
    /// tokens, as HF does by default) and locates the subject's last token in it.</summary>
    public static (TokenizedText Encoding, int SubjectIndex) Locate(ITokenizer tokenizer, string prompt, string subject)
    {
        var encoding = tokenizer.Encode(prompt, addSpecialTokens: true);
        return (encoding, LastTokenIndex(prompt, encoding, subject));
    }
}
