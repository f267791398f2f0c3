using System.Text;
using System.Text.RegularExpressions;

namespace Relens.Tokenization;

/// <summary>A tokenizer.json "pre_tokenizer": splits a normalised segment into the pieces BPE sees.</summary>
internal interface IPreTokenizer
{
    /// <summary>Splits one piece, appending the results (never empty ones) to <paramref name="output"/>.</summary>
    void Split(AlignedText piece, List<AlignedText> output);
}

internal sealed class SequencePreTokenizer(IReadOnlyList<IPreTokenizer> steps) : IPreTokenizer
{
    public void Split(AlignedText piece, List<AlignedText> output)
    {
        List<AlignedText> current = [piece];
        foreach (var step in steps)
        {
            var next = new List<AlignedText>(current.Count * 2);
            foreach (var p in current) step.Split(p, next);
            current = next;
        }
        output.AddRange(current);
    }
}

/// <summary>
/// "ByteLevel": optional prefix space, the GPT-2 split (<see cref="Gpt2PreTokenSplitter"/>), then every
/// UTF-8 byte replaced by its <see cref="ByteLevelAlphabet"/> character. All bytes of one character keep
/// that character's span, so a token holding part of "é" maps to the whole "é".
/// </summary>
internal sealed class ByteLevelPreTokenizer(bool addPrefixSpace, bool useRegex) : IPreTokenizer
{
    public void Split(AlignedText piece, List<AlignedText> output)
    {
        if (piece.Length == 0) return;
        if (addPrefixSpace && piece.Text[0] != ' ')
        {
            // As HF: the added space aligns with the first character (it is not in the original text).
            var first = piece.SpanOf(0, piece.RuneLength(0));
            var b = new AlignedTextBuilder(piece.Length + 1);
            b.Append(' ', first.Start, first.End);
            b.AppendFrom(piece, 0, piece.Length);
            piece = b.Build();
        }
        if (!useRegex)
        {
            output.Add(ToBytes(piece, 0, piece.Length));
            return;
        }
        foreach (var (start, length) in Gpt2PreTokenSplitter.Split(piece.Text))
            output.Add(ToBytes(piece, start, start + length));
    }

    private static AlignedText ToBytes(AlignedText piece, int from, int to)
    {
        var b = new AlignedTextBuilder((to - from) * 2);
        Span<byte> utf8 = stackalloc byte[4];
        for (int i = from; i < to;)
        {
            int n = piece.RuneLength(i);
            var span = piece.SpanOf(i, i + n);
            if (Rune.DecodeFromUtf16(piece.Text.AsSpan(i, n), out var rune, out _) != System.Buffers.OperationStatus.Done)
                rune = Rune.ReplacementChar; // a lone surrogate has no UTF-8 form
            int count = rune.EncodeToUtf8(utf8);
            for (int k = 0; k < count; k++) b.Append(ByteLevelAlphabet.CharOf(utf8[k]), span.Start, span.End);
            i += n;
        }
        return b.Build();
    }
}

/// <summary>How "Split" (and Metaspace) treat the matched delimiters, as HF's SplitDelimiterBehavior.</summary>
internal enum SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous }

/// <summary>"Split" with a String or Regex pattern (Llama-3 style files put the GPT-style regex here).</summary>
internal sealed class SplitPreTokenizer(Regex pattern, SplitBehavior behavior, bool invert) : IPreTokenizer
{
    public void Split(AlignedText piece, List<AlignedText> output)
    {
        foreach (var (start, end) in SplitRanges(piece.Text, pattern, behavior, invert))
            if (end > start) output.Add(piece.Slice(start, end));
    }

    /// <summary>HF's NormalizedString::split: tile the text into (range, isMatch), then merge per behaviour.</summary>
    internal static List<(int Start, int End)> SplitRanges(string text, Regex pattern, SplitBehavior behavior, bool invert)
    {
        var tiles = new List<(int Start, int End, bool Match)>();
        int done = 0;
        for (var m = pattern.Match(text); m.Success; m = m.NextMatch())
        {
            if (m.Length == 0) continue;
            if (m.Index > done) tiles.Add((done, m.Index, false));
            tiles.Add((m.Index, m.Index + m.Length, true));
            done = m.Index + m.Length;
        }
        if (done < text.Length) tiles.Add((done, text.Length, false));
        if (invert) tiles = tiles.Select(t => (t.Start, t.End, !t.Match)).ToList();

        var result = new List<(int Start, int End)>();
        switch (behavior)
        {
            case SplitBehavior.Isolated:
                result.AddRange(tiles.Select(t => (t.Start, t.End)));
                break;
            case SplitBehavior.Removed:
                result.AddRange(tiles.Where(t => !t.Match).Select(t => (t.Start, t.End)));
                break;
            case SplitBehavior.MergedWithPrevious:
            {
                bool previousMatch = false;
                foreach (var t in tiles)
                {
                    if (t.Match && !previousMatch && result.Count > 0) result[^1] = (result[^1].Start, t.End);
                    else result.Add((t.Start, t.End));
                    previousMatch = t.Match;
                }
                break;
            }
            case SplitBehavior.MergedWithNext:
            {
                bool previousMatch = false;
                for (int k = tiles.Count - 1; k >= 0; k--)
                {
                    var t = tiles[k];
                    if (t.Match && !previousMatch && result.Count > 0) result[^1] = (t.Start, result[^1].End);
                    else result.Add((t.Start, t.End));
                    previousMatch = t.Match;
                }
                result.Reverse();
                break;
            }
            case SplitBehavior.Contiguous:
            {
                bool previousMatch = false;
                foreach (var t in tiles)
                {
                    if (t.Match == previousMatch && result.Count > 0) result[^1] = (result[^1].Start, t.End);
                    else result.Add((t.Start, t.End));
                    previousMatch = t.Match;
                }
                break;
            }
        }
        return result;
    }
}

/// <summary>When "Metaspace" prepends its replacement character (HF's PrependScheme).</summary>
internal enum PrependScheme { Always, First, Never }

/// <summary>"Metaspace" (newer SentencePiece-style files): spaces → "▁", optional "▁" in front, optional
/// split before each "▁".</summary>
internal sealed class MetaspacePreTokenizer(char replacement, PrependScheme scheme, bool split) : IPreTokenizer
{
    private readonly Regex _replacement = new(Regex.Escape(replacement.ToString()), RegexOptions.CultureInvariant);
    private readonly ReplaceNormalizer _spaces = new(new Regex(" ", RegexOptions.CultureInvariant), replacement.ToString());

    public void Split(AlignedText piece, List<AlignedText> output)
    {
        if (piece.Length == 0) return;
        piece = _spaces.Normalize(piece);
        // "first": only the piece that starts the original text (not one after an added token).
        bool prepend = piece.Text[0] != replacement
            && (scheme == PrependScheme.Always || (scheme == PrependScheme.First && piece.Starts[0] == 0));
        if (prepend) piece = new PrependNormalizer(replacement.ToString()).Normalize(piece);
        if (!split)
        {
            output.Add(piece);
            return;
        }
        foreach (var (start, end) in SplitPreTokenizer.SplitRanges(piece.Text, _replacement, SplitBehavior.MergedWithNext, false))
            if (end > start) output.Add(piece.Slice(start, end));
    }
}
