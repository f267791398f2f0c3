using Relens.Models;
using Relens.Relations;
using Relens.Tokenization;

namespace Relens.Lre;

/// <summary>A prompt tokenized once, with the index of the subject's last token (last occurrence).</summary>
public sealed record SubjectPrompt(string Text, string Subject, TokenizedText Tokens, int SubjectIndex)
{
    public int LastIndex => Tokens.Count - 1;

    public static SubjectPrompt Create(LanguageModel lm, string prompt, string subject)
    {
        var tokens = lm.Tokenizer.Encode(prompt);
        return new SubjectPrompt(prompt, subject, tokens, SubjectLocator.LastTokenIndex(prompt, tokens, subject));
    }
}
