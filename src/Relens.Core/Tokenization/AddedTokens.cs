using System.Text;
using System.Text.RegularExpressions;

namespace Relens.Tokenization;

/// <summary>An entry of tokenizer.json "added_tokens".</summary>
internal sealed record AddedToken(
    int Id, string Content, bool Special, bool Normalized = false,
    bool LStrip = false, bool RStrip = false, bool SingleWord = false);

/// <summary>A stretch of a segment: either ordinary text to tokenize, or one added token.</summary>
internal readonly record struct AddedSplit(int Start, int End, AddedToken? Token);

/// <summary>
/// Finds added tokens written literally in text, as HF does before running the model: leftmost match,
/// longest token first at a position; lstrip/rstrip swallow the whitespace beside the token;
/// single_word requires no word character on either side.
/// </summary>
internal sealed class AddedTokenMatcher
{
    private readonly Regex? _regex;
    private readonly AddedToken[] _tokens;

    public AddedTokenMatcher(IEnumerable<AddedToken> tokens)
    {
        _tokens = tokens.Where(t => t.Content.Length > 0).OrderByDescending(t => t.Content.Length).ToArray();
        if (_tokens.Length == 0) return;
        var pattern = new StringBuilder();
        for (int k = 0; k < _tokens.Length; k++)
        {
            var t = _tokens[k];
            if (k > 0) pattern.Append('|');
            pattern.Append("(?<t").Append(k).Append('>');
            if (t.LStrip) pattern.Append(@"\s*");
            if (t.SingleWord) pattern.Append(@"(?<!\w)");
            pattern.Append(Regex.Escape(t.Content));
            if (t.SingleWord) pattern.Append(@"(?!\w)");
            if (t.RStrip) pattern.Append(@"\s*");
            pattern.Append(')');
        }
        _regex = new Regex(pattern.ToString(), RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture);
    }

    /// <summary>Tiles <paramref name="text"/> into ordinary stretches and added-token matches (no empty stretches).</summary>
    public List<AddedSplit> Split(string text)
    {
        var result = new List<AddedSplit>();
        int done = 0;
        // Cheap ordinal pre-check: most prompts contain no added token at all.
        if (_regex is not null && _tokens.Any(t => text.Contains(t.Content, StringComparison.Ordinal)))
        {
            for (var m = _regex.Match(text); m.Success; m = m.NextMatch())
            {
                if (m.Index > done) result.Add(new AddedSplit(done, m.Index, null));
                result.Add(new AddedSplit(m.Index, m.Index + m.Length, WhichToken(m)));
                done = m.Index + m.Length;
            }
        }
        if (done < text.Length) result.Add(new AddedSplit(done, text.Length, null));
        return result;
    }

    private AddedToken WhichToken(Match m)
    {
        for (int k = 0; k < _tokens.Length; k++)
            if (m.Groups["t" + k].Success) return _tokens[k];
        throw new InvalidOperationException("added-token match without a group");
    }
}
