using System.Globalization;
using System.Text;

namespace Relens.Tokenization;

/// <summary>
/// GPT-2's pre-tokenisation regex
/// <c>'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+</c>
/// written out as a scanner over Unicode code points. Why not .NET Regex: .NET classifies each UTF-16
/// unit, so a letter outside the BMP (e.g. "𝐀", "𠀀") is seen as two surrogates and falls into the
/// punctuation class, while HF (Oniguruma) and tiktoken see a letter. The scanner is also faster.
/// </summary>
public static class Gpt2PreTokenSplitter
{
    private static readonly string[] Contractions = ["s", "t", "re", "ve", "m", "ll", "d"];

    /// <summary>The pre-tokens of text[start..end) as (start, length) pairs in UTF-16 units; they tile the range.</summary>
    public static List<(int Start, int Length)> Split(string text, int start = 0, int? end = null)
    {
        int stop = end ?? text.Length;
        var pieces = new List<(int, int)>();
        int i = start;
        while (i < stop)
        {
            int length = MatchAt(text, i, stop);
            pieces.Add((i, length));
            i += length;
        }
        return pieces;
    }

    /// <summary>Length of the regex match at <paramref name="i"/> (the regex matches at every position).</summary>
    private static int MatchAt(string s, int i, int stop)
    {
        // 's|'t|'re|'ve|'m|'ll|'d (case-sensitive, as GPT-2's pattern)
        if (s[i] == '\'')
            foreach (var c in Contractions)
                if (i + 1 + c.Length <= stop && string.CompareOrdinal(s, i + 1, c, 0, c.Length) == 0)
                    return 1 + c.Length;

        var kind = KindAt(s, i, stop, out _);
        // " ?X+": an optional single U+0020 joins the run of letters / digits / other symbols after it.
        if (s[i] == ' ' && i + 1 < stop)
        {
            var next = KindAt(s, i + 1, stop, out _);
            if (next != Kind.Space) return 1 + RunLength(s, i + 1, stop, next);
        }
        if (kind != Kind.Space) return RunLength(s, i, stop, kind);

        // \s+(?!\S) then \s+ : a whitespace run gives up its last unit to a following non-space,
        // so " word" keeps its space; a lone whitespace unit before a non-space matches by itself.
        int run = RunLength(s, i, stop, Kind.Space);
        if (i + run == stop) return run;
        int last = LastRuneUnits(s, i, i + run);
        return run - last > 0 ? run - last : run;
    }

    private enum Kind { Letter, Number, Space, Other }

    private static Kind KindAt(string s, int i, int stop, out int units)
    {
        if (Rune.DecodeFromUtf16(s.AsSpan(i, stop - i), out var rune, out units) != System.Buffers.OperationStatus.Done)
        {
            units = 1;
            return Kind.Other; // lone surrogate: neither letter, digit nor space
        }
        if (Rune.IsWhiteSpace(rune)) return Kind.Space;
        return Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => Kind.Letter,
            UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => Kind.Number,
            _ => Kind.Other,
        };
    }

    private static int RunLength(string s, int i, int stop, Kind kind)
    {
        int j = i;
        while (j < stop && KindAt(s, j, stop, out int units) == kind) j += units;
        return j - i;
    }

    private static int LastRuneUnits(string s, int from, int to) =>
        to - from >= 2 && char.IsLowSurrogate(s[to - 1]) && char.IsHighSurrogate(s[to - 2]) ? 2 : 1;
}
