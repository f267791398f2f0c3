using System.Text;
using Relens.Tokenization;

namespace Relens.World;

/// <summary>
/// A byte-level BPE vocabulary (id = index in <see cref="Tokens"/>) with its ordered merges, as the
/// trainer made it. It can encode text itself (GPT-2 algorithm: lowest-rank merge first) so the world
/// can be trained before a checkpoint is written; the tokenizer.json it writes is what everyone else reads.
/// </summary>
public sealed class BpeVocabulary : ITokenizer
{
    public IReadOnlyList<string> Tokens { get; }
    public IReadOnlyList<(string Left, string Right)> Merges { get; }
    public IReadOnlyList<string> SpecialTokens { get; }

    private readonly Dictionary<string, int> _ids;
    private readonly Dictionary<(int, int), (int Rank, int Id)> _ranks = new();
    private readonly Dictionary<string, int[]> _cache = new(StringComparer.Ordinal);

    public BpeVocabulary(IReadOnlyList<string> tokens, IReadOnlyList<(string, string)> merges, IReadOnlyList<string> specialTokens)
    {
        Tokens = tokens;
        Merges = merges;
        SpecialTokens = specialTokens;
        _ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < tokens.Count; i++)
            if (!_ids.TryAdd(tokens[i], i)) throw new RelensException($"token '{tokens[i]}' occurs twice in the vocabulary");
        for (int r = 0; r < merges.Count; r++)
        {
            var (a, b) = merges[r];
            if (!_ids.TryGetValue(a, out int ia) || !_ids.TryGetValue(b, out int ib) || !_ids.TryGetValue(a + b, out int ic))
                throw new RelensException($"merge '{a} {b}' refers to tokens not in the vocabulary");
            _ranks[(ia, ib)] = (r, ic);
        }
    }

    public int VocabSize => Tokens.Count;
    public int? BosTokenId => EosTokenId;
    public int? EosTokenId => SpecialTokens.Count > 0 ? _ids[SpecialTokens[0]] : null;
    public string? BosToken => EosToken;
    public string? EosToken => SpecialTokens.Count > 0 ? SpecialTokens[0] : null;
    public int? TokenToId(string token) => _ids.TryGetValue(token, out int id) ? id : null;

    /// <summary>Token ids only (the training path; no offsets).</summary>
    public int[] EncodeIds(string text)
    {
        var ids = new List<int>(text.Length / 3);
        foreach (var part in SplitSpecial(text, SpecialTokens))
        {
            if (part.IsSpecial) { ids.Add(_ids[part.Text]); continue; }
            foreach (var (s, l) in ByteLevel.PreTokens(part.Text)) ids.AddRange(EncodeWord(part.Text.Substring(s, l)));
        }
        return ids.ToArray();
    }

    /// <summary>GPT-2 adds no special tokens, so <paramref name="addSpecialTokens"/> changes nothing.</summary>
    public TokenizedText Encode(string text, bool addSpecialTokens = true)
    {
        var ids = new List<int>();
        var offsets = new List<CharSpan>();
        int baseOffset = 0;
        foreach (var part in SplitSpecial(text, SpecialTokens))
        {
            if (part.IsSpecial)
            {
                ids.Add(_ids[part.Text]);
                offsets.Add(new CharSpan(baseOffset, baseOffset + part.Text.Length));
            }
            else
                foreach (var (s, l) in ByteLevel.PreTokens(part.Text))
                {
                    string word = part.Text.Substring(s, l);
                    // Byte → (start, end) of the character it belongs to. As in HF, a token holding only
                    // part of a multi-byte character gets that whole character's span; "Ġ" spaces are part
                    // of the span (our tokenizer.json's post-processor does not trim offsets, as GPT-2's).
                    var charStart = new List<int>();
                    var charEnd = new List<int>();
                    for (int c = 0; c < word.Length; c++)
                    {
                        int width = char.IsHighSurrogate(word[c]) ? 2 : 1;
                        int n = Encoding.UTF8.GetByteCount(word.AsSpan(c, width));
                        for (int k = 0; k < n; k++) { charStart.Add(c); charEnd.Add(c + width); }
                        c += width - 1;
                    }
                    int pos = 0;
                    foreach (int id in EncodeWord(word))
                    {
                        int len = Tokens[id].Length;
                        ids.Add(id);
                        offsets.Add(new CharSpan(baseOffset + s + charStart[pos], baseOffset + s + charEnd[pos + len - 1]));
                        pos += len;
                    }
                }
            baseOffset += part.Text.Length;
        }
        return new TokenizedText(ids.ToArray(), offsets.ToArray(), ids.Select(i => Tokens[i]).ToArray());
    }

    public string Decode(int id) => id >= 0 && id < Tokens.Count
        ? (SpecialTokens.Contains(Tokens[id]) ? Tokens[id] : ByteLevel.Decode(Tokens[id]))
        : throw new RelensException($"token id {id} is outside the vocabulary (size {Tokens.Count})");

    public string Decode(IReadOnlyList<int> ids)
    {
        var sb = new StringBuilder();
        var pending = new StringBuilder();
        foreach (int id in ids)
        {
            if (SpecialTokens.Contains(Tokens[id])) { sb.Append(ByteLevel.Decode(pending.ToString())).Append(Tokens[id]); pending.Clear(); }
            else pending.Append(Tokens[id]);
        }
        return sb.Append(ByteLevel.Decode(pending.ToString())).ToString();
    }

    private int[] EncodeWord(string word)
    {
        if (_cache.TryGetValue(word, out var cached)) return cached;
        var symbols = ByteLevel.Encode(word).Select(c => _ids[c.ToString()]).ToArray();
        while (symbols.Length > 1)
        {
            (int Rank, int Id) best = (int.MaxValue, -1);
            (int, int) bestPair = default;
            for (int i = 0; i + 1 < symbols.Length; i++)
                if (_ranks.TryGetValue((symbols[i], symbols[i + 1]), out var m) && m.Rank < best.Rank) { best = m; bestPair = (symbols[i], symbols[i + 1]); }
            if (best.Id < 0) break;
            symbols = BpeTrainer.Merge(symbols, bestPair, best.Id);
        }
        if (_cache.Count < 1_000_000) _cache[word] = symbols;
        return symbols;
    }

    /// <summary>Splits text at special-token occurrences (they are never part of a pre-token).</summary>
    internal static IEnumerable<(string Text, bool IsSpecial)> SplitSpecial(string text, IReadOnlyList<string> specials)
    {
        int pos = 0;
        while (pos < text.Length)
        {
            int best = -1; string? which = null;
            foreach (var s in specials)
            {
                int i = text.IndexOf(s, pos, StringComparison.Ordinal);
                if (i >= 0 && (best < 0 || i < best)) { best = i; which = s; }
            }
            if (best < 0) { yield return (text[pos..], false); yield break; }
            if (best > pos) yield return (text[pos..best], false);
            yield return (which!, true);
            pos = best + which!.Length;
        }
    }
}
