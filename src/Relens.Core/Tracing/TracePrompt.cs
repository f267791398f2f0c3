using Relens.Models;
using Relens.Relations;
using Relens.Tokenization;

namespace Relens.Tracing;

/// <summary>A prompt to trace, tokenized as the model sees it, with the token range of the subject's last occurrence.</summary>
/// <param name="SubjectFirst">First token holding a character of the subject.</param>
/// <param name="SubjectLast">The subject's last token (<see cref="SubjectLocator"/>, the paper's rule).</param>
/// <param name="Object">The expected object, if known (relation facts); null for a free prompt.</param>
public sealed record TracePrompt(string Text, string Subject, TokenizedText Tokens, int SubjectFirst, int SubjectLast, string? Object = null)
{
    public int Count => Tokens.Count;
    public int LastIndex => Tokens.Count - 1;

    public static TracePrompt Create(LanguageModel lm, string prompt, string subject, string? obj = null)
    {
        if (string.IsNullOrEmpty(subject)) throw new RelensException("--subject is empty");
        if (prompt.LastIndexOf(subject, StringComparison.Ordinal) < 0)
            throw new RelensException($"--subject '{subject}' does not occur in the prompt '{prompt}'");
        var (tokens, last) = SubjectLocator.Locate(lm.Tokenizer, prompt, subject);
        int start = prompt.LastIndexOf(subject, StringComparison.Ordinal);
        int first = last;
        // the first token whose characters reach into the subject (tokens before it end at or before its start)
        for (int i = 0; i <= last; i++)
        {
            var span = tokens.Offsets[i];
            if (span.Start != span.End && span.End > start) { first = i; break; }
        }
        return new TracePrompt(prompt, subject, tokens, first, last, obj);
    }
}
