using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Relens.Tokenization;

/// <summary>A tokenizer.json "normalizer": rewrites text while keeping each unit's original span.</summary>
internal interface INormalizer
{
    AlignedText Normalize(AlignedText text);
}

internal sealed class SequenceNormalizer(IReadOnlyList<INormalizer> steps) : INormalizer
{
    public AlignedText Normalize(AlignedText text)
    {
        foreach (var step in steps) text = step.Normalize(text);
        return text;
    }
}

/// <summary>"Prepend": LLaMA's "▁" in front. As HF, the new units align with the first character and
/// nothing is prepended to an empty string.</summary>
internal sealed class PrependNormalizer(string prefix) : INormalizer
{
    public AlignedText Normalize(AlignedText text)
    {
        if (text.Length == 0) return text;
        var span = text.SpanOf(0, text.RuneLength(0));
        var b = new AlignedTextBuilder(text.Length + prefix.Length);
        b.Append(prefix, span.Start, span.End);
        b.AppendFrom(text, 0, text.Length);
        return b.Build();
    }
}

/// <summary>"Replace" (String or Regex pattern): each replacement aligns with the span it replaced.</summary>
internal sealed class ReplaceNormalizer(Regex pattern, string content) : INormalizer
{
    public AlignedText Normalize(AlignedText text)
    {
        var b = new AlignedTextBuilder(text.Length);
        int done = 0;
        for (var m = pattern.Match(text.Text); m.Success; m = m.NextMatch())
        {
            if (m.Length == 0) continue;
            b.AppendFrom(text, done, m.Index);
            var span = text.SpanOf(m.Index, m.Index + m.Length);
            b.Append(content, span.Start, span.End);
            done = m.Index + m.Length;
        }
        if (done == 0) return text;
        b.AppendFrom(text, done, text.Length);
        return b.Build();
    }
}

/// <summary>
/// NFC/NFD/NFKC/NFKD. Normalises one base character with its combining marks at a time, so every output
/// unit can be aligned with the cluster it came from. This equals whole-string normalisation except for
/// compositions across clusters (e.g. conjoining Hangul jamo written separately), which LM prompts
/// practically never contain.
/// </summary>
internal sealed class UnicodeNormalizer(NormalizationForm form) : INormalizer
{
    public AlignedText Normalize(AlignedText text)
    {
        if (text.Text.IsNormalized(form)) return text;
        var b = new AlignedTextBuilder(text.Length);
        int i = 0;
        while (i < text.Length)
        {
            int end = i + text.RuneLength(i);
            while (end < text.Length && IsCombining(text.Text, end)) end += text.RuneLength(end);
            var span = text.SpanOf(i, end);
            b.Append(text.Text[i..end].Normalize(form), span.Start, span.End);
            i = end;
        }
        return b.Build();
    }

    private static bool IsCombining(string s, int i) =>
        CharUnicodeInfo.GetUnicodeCategory(s, i) is UnicodeCategory.NonSpacingMark
            or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark;
}

internal sealed class LowercaseNormalizer : INormalizer
{
    public AlignedText Normalize(AlignedText text)
    {
        var b = new AlignedTextBuilder(text.Length);
        for (int i = 0; i < text.Length;)
        {
            int n = text.RuneLength(i);
            var span = text.SpanOf(i, i + n);
            b.Append(text.Text.Substring(i, n).ToLowerInvariant(), span.Start, span.End);
            i += n;
        }
        return b.Build();
    }
}
