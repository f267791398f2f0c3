using System.Text;

namespace Relens.Tokenization;

/// <summary>
/// A string derived from the original input (by normalisation, pre-tokenisation, byte-level mapping)
/// that remembers, for every UTF-16 unit, the span [Start, End) of the ORIGINAL text it came from.
/// This is what lets offsets survive "▁" prepending, space replacement and byte-level mapping,
/// like HF's NormalizedString alignments.
/// </summary>
internal sealed class AlignedText
{
    public AlignedText(string text, int[] starts, int[] ends)
    {
        Text = text;
        Starts = starts;
        Ends = ends;
    }

    public string Text { get; }
    public int[] Starts { get; }
    public int[] Ends { get; }
    public int Length => Text.Length;

    /// <summary>original[start..end) unchanged. Both units of a surrogate pair map to the whole pair,
    /// so a token holding either half still points at a complete character.</summary>
    public static AlignedText FromOriginal(string original, int start, int end)
    {
        int n = end - start;
        var starts = new int[n];
        var ends = new int[n];
        for (int i = start; i < end;)
        {
            int units = char.IsHighSurrogate(original[i]) && i + 1 < end && char.IsLowSurrogate(original[i + 1]) ? 2 : 1;
            for (int k = 0; k < units; k++)
            {
                starts[i - start + k] = i;
                ends[i - start + k] = i + units;
            }
            i += units;
        }
        return new AlignedText(original[start..end], starts, ends);
    }

    public AlignedText Slice(int start, int end) =>
        new(Text[start..end], Starts[start..end], Ends[start..end]);

    /// <summary>Original span covered by units [start, end) (min start, max end); for an empty range,
    /// the empty span where that position lies in the original.</summary>
    public CharSpan SpanOf(int start, int end)
    {
        if (start >= end)
        {
            int at = start < Length ? Starts[start] : Length > 0 ? Ends[^1] : 0;
            return new CharSpan(at, at);
        }
        int s = int.MaxValue, e = int.MinValue;
        for (int i = start; i < end; i++)
        {
            s = Math.Min(s, Starts[i]);
            e = Math.Max(e, Ends[i]);
        }
        return new CharSpan(s, e);
    }

    /// <summary>Number of UTF-16 units of the character starting at unit <paramref name="i"/>.</summary>
    public int RuneLength(int i) => RuneUnits(Text, i);

    internal static int RuneUnits(string s, int i) =>
        char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]) ? 2 : 1;
}

/// <summary>Builds an <see cref="AlignedText"/> piece by piece.</summary>
internal sealed class AlignedTextBuilder(int capacity = 16)
{
    private readonly StringBuilder _text = new(capacity);
    private readonly List<int> _starts = new(capacity);
    private readonly List<int> _ends = new(capacity);

    public int Length => _text.Length;

    /// <summary>Appends <paramref name="s"/>, every unit aligned to the original span [start, end).</summary>
    public void Append(string s, int start, int end)
    {
        _text.Append(s);
        for (int i = 0; i < s.Length; i++)
        {
            _starts.Add(start);
            _ends.Add(end);
        }
    }

    public void Append(char c, int start, int end)
    {
        _text.Append(c);
        _starts.Add(start);
        _ends.Add(end);
    }

    /// <summary>Copies units [from, to) of <paramref name="source"/> with their alignment.</summary>
    public void AppendFrom(AlignedText source, int from, int to)
    {
        _text.Append(source.Text, from, to - from);
        for (int i = from; i < to; i++)
        {
            _starts.Add(source.Starts[i]);
            _ends.Add(source.Ends[i]);
        }
    }

    public AlignedText Build() => new(_text.ToString(), _starts.ToArray(), _ends.ToArray());
}
