using System.Text.RegularExpressions;
using Relens.Tokenization;

namespace Relens.Tests.Relations;

/// <summary>
/// A tiny stand-in for the real tokenizer, shaped like GPT-2's: "&lt;|endoftext|&gt;" is one token,
/// words carry their leading space (" capital") but, as HF reports offsets, the space is not in the
/// token's span; words longer than <see cref="ChunkLength"/> characters are cut into several tokens
/// so subjects span several tokens. With <see cref="Bos"/> set, Encode(addSpecialTokens: true)
/// prepends a BOS token with an empty (0,0) span, as LLaMA's tokenizer does.
/// </summary>
internal sealed partial class FakeTokenizer(string? bos = null, int chunkLength = 4) : ITokenizer
{
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly List<string> _tokens = [];

    public const string Eos = "<|endoftext|>";
    public string? Bos { get; } = bos;
    public int ChunkLength { get; } = chunkLength;

    [GeneratedRegex(@"<\|endoftext\|>| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+")]
    private static partial Regex Pieces();

    public TokenizedText Encode(string text, bool addSpecialTokens = true)
    {
        var ids = new List<int>();
        var offsets = new List<CharSpan>();
        var tokens = new List<string>();
        if (addSpecialTokens && Bos is not null) Add(Bos, 0, 0);
        foreach (Match m in Pieces().Matches(text))
        {
            int start = m.Index, end = m.Index + m.Length;
            if (m.Value == Eos || m.Value.Trim().Length == 0) { Add(m.Value, start, end); continue; }
            bool space = m.Value[0] == ' ';
            int wordStart = space ? start + 1 : start;
            for (int c = wordStart; c < end; c += ChunkLength)
            {
                int cEnd = Math.Min(end, c + ChunkLength);
                // The leading space belongs to the first chunk's token text but not to its span.
                string tokenText = (c == wordStart && space ? " " : "") + text[c..cEnd];
                Add(tokenText, c, cEnd);
            }
        }
        return new TokenizedText(ids.ToArray(), offsets.ToArray(), tokens.ToArray());

        void Add(string token, int s, int e)
        {
            if (!_ids.TryGetValue(token, out int id)) { _ids[token] = id = _tokens.Count; _tokens.Add(token); }
            ids.Add(id); offsets.Add(new CharSpan(s, e)); tokens.Add(token);
        }
    }

    public int VocabSize => _tokens.Count;
    public string Decode(int id) => _tokens[id];
    public string Decode(IReadOnlyList<int> ids) => string.Concat(ids.Select(Decode));
    public int? TokenToId(string token) => _ids.TryGetValue(token, out int id) ? id : null;
    public int? BosTokenId => Bos is null ? null : TokenToId(Bos);
    public int? EosTokenId => TokenToId(Eos);
    public string? BosToken => Bos;
    public string? EosToken => Eos;
}
