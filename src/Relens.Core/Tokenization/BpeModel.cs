using System.Collections.Concurrent;
using System.Text;

namespace Relens.Tokenization;

/// <summary>One BPE output token: vocabulary id and the units [Start, End) of the word it covers.</summary>
internal readonly record struct BpePiece(int Id, int Start, int End);

/// <summary>The options of a tokenizer.json "model" of type BPE besides vocab and merges.</summary>
internal sealed record BpeOptions(
    string? UnkToken = null,
    bool FuseUnk = false,
    bool ByteFallback = false,
    string? ContinuingSubwordPrefix = null,
    string? EndOfWordSuffix = null,
    bool IgnoreMerges = false);

/// <summary>
/// The BPE model of HF tokenizers: splits a word into vocabulary symbols (one per character, or
/// "&lt;0xNN&gt;" byte tokens / unk when a character is not in the vocabulary), then applies merges lowest
/// rank first, leftmost first among equal ranks — the same heap procedure as HF's <c>Word::merge_all</c>,
/// so ids agree even where merge orders interact. Results are cached per word.
/// </summary>
internal sealed class BpeModel
{
    private const int CacheCapacity = 100_000;

    private readonly Dictionary<string, int> _vocab;
    private readonly string?[] _idToToken;
    private readonly Dictionary<long, (int Rank, int NewId)> _merges;
    private readonly BpeOptions _options;
    private readonly int? _unkId;
    private readonly int[]? _byteIds;
    private readonly ConcurrentDictionary<string, BpePiece[]> _cache = new();
    private int _cacheSize;

    /// <param name="merges">Pairs in rank order; both parts and their concatenation must be in the vocabulary.</param>
    /// <exception cref="TokenizerFormatException">A merge or the unk token refers to a string outside the vocabulary.</exception>
    public BpeModel(Dictionary<string, int> vocab, IReadOnlyList<(string Left, string Right)> merges, BpeOptions options)
    {
        _vocab = vocab;
        _options = options;
        int size = vocab.Count == 0 ? 0 : vocab.Values.Max() + 1;
        _idToToken = new string?[size];
        foreach (var (token, id) in vocab)
        {
            if (id < 0) throw new TokenizerFormatException($"model.vocab: token \"{token}\" has a negative id {id}");
            _idToToken[id] = token;
        }

        int prefixLength = options.ContinuingSubwordPrefix?.Length ?? 0;
        _merges = new Dictionary<long, (int, int)>(merges.Count, PairKeyComparer.Instance);
        for (int rank = 0; rank < merges.Count; rank++)
        {
            var (left, right) = merges[rank];
            // As HF: the merged token drops the right part's continuing-subword prefix.
            string merged = left + (right.Length >= prefixLength ? right[prefixLength..] : right);
            if (!vocab.TryGetValue(left, out int a) || !vocab.TryGetValue(right, out int b))
                throw new TokenizerFormatException($"model.merges[{rank}] (\"{left}\" \"{right}\") uses a token that is not in model.vocab");
            if (!vocab.TryGetValue(merged, out int newId))
                throw new TokenizerFormatException($"model.merges[{rank}]: the merged token \"{merged}\" is not in model.vocab");
            _merges[Key(a, b)] = (rank, newId); // a repeated pair keeps its last rank, as HF's HashMap collect
        }

        if (options.UnkToken is { } unk)
        {
            if (!vocab.TryGetValue(unk, out int unkId))
                throw new TokenizerFormatException($"model.unk_token \"{unk}\" is not in model.vocab");
            _unkId = unkId;
        }
        if (options.ByteFallback)
        {
            _byteIds = new int[256];
            for (int b = 0; b < 256; b++) _byteIds[b] = vocab.TryGetValue(ByteToken((byte)b), out int id) ? id : -1;
        }
    }

    /// <summary>One more than the largest id in the vocabulary.</summary>
    public int Size => _idToToken.Length;

    public bool TryGetId(string token, out int id) => _vocab.TryGetValue(token, out id);

    public string? IdToToken(int id) => id >= 0 && id < _idToToken.Length ? _idToToken[id] : null;

    /// <summary>SentencePiece byte-fallback token of a byte, e.g. "&lt;0x0A&gt;".</summary>
    public static string ByteToken(byte b) => $"<0x{b:X2}>";

    public BpePiece[] Tokenize(string word)
    {
        if (_cache.TryGetValue(word, out var cached)) return cached;
        var result = Compute(word);
        // Bounded, because LLaMA "words" are whole prompts. (ConcurrentDictionary.Count takes every lock,
        // so the size is tracked separately.)
        if (Interlocked.Increment(ref _cacheSize) > CacheCapacity)
        {
            _cache.Clear();
            Interlocked.Exchange(ref _cacheSize, 0);
        }
        _cache[word] = result;
        return result;
    }

    private static long Key(int a, int b) => ((long)a << 32) | (uint)b;

    /// <summary>long.GetHashCode is hi ^ lo, which sends many (a, b) id pairs to the same bucket;
    /// a multiplicative mix keeps the merge lookups O(1).</summary>
    private sealed class PairKeyComparer : IEqualityComparer<long>
    {
        public static readonly PairKeyComparer Instance = new();
        public bool Equals(long x, long y) => x == y;
        public int GetHashCode(long key) => (int)((ulong)(key * unchecked((long)0x9E3779B97F4A7C15)) >> 32);
    }

    private BpePiece[] Compute(string word)
    {
        if (word.Length == 0) return [];
        if (_options.IgnoreMerges && _vocab.TryGetValue(word, out int whole)) return [new BpePiece(whole, 0, word.Length)];

        var symbols = InitialSymbols(word);
        MergeAll(symbols);
        var result = new List<BpePiece>(symbols.Count);
        foreach (var s in symbols)
            if (s.Alive) result.Add(new BpePiece(s.Id, s.Start, s.End));
        return result.ToArray();
    }

    private sealed class Symbol(int id, int start, int end)
    {
        public int Id = id, Start = start, End = end, Prev = -1, Next = -1;
        public bool Alive = true;
    }

    /// <summary>HF's BPE::merge_word before merging: vocabulary symbol per character, else byte tokens, else unk.</summary>
    private List<Symbol> InitialSymbols(string word)
    {
        var symbols = new List<Symbol>(word.Length);
        Symbol? pendingUnk = null;
        void Flush()
        {
            if (pendingUnk is not null) symbols.Add(pendingUnk);
            pendingUnk = null;
        }

        for (int i = 0; i < word.Length;)
        {
            int n = AlignedText.RuneUnits(word, i);
            string s = word.Substring(i, n);
            if (i > 0 && _options.ContinuingSubwordPrefix is { } prefix) s = prefix + s;
            if (i + n == word.Length && _options.EndOfWordSuffix is { } suffix) s += suffix;

            if (_vocab.TryGetValue(s, out int id))
            {
                Flush();
                symbols.Add(new Symbol(id, i, i + n));
            }
            else if (TryByteFallback(s, out var byteIds))
            {
                Flush();
                // Every byte token of a character covers the whole character (offsets are per character).
                foreach (var b in byteIds) symbols.Add(new Symbol(b, i, i + n));
            }
            else if (_unkId is int unk)
            {
                if (pendingUnk is not null && _options.FuseUnk) pendingUnk.End = i + n;
                else
                {
                    Flush();
                    pendingUnk = new Symbol(unk, i, i + n);
                }
            }
            // else: no unk token — HF drops the character.
            i += n;
        }
        Flush();
        for (int k = 0; k < symbols.Count; k++)
        {
            symbols[k].Prev = k - 1;
            symbols[k].Next = k + 1 < symbols.Count ? k + 1 : -1;
        }
        return symbols;
    }

    private bool TryByteFallback(string s, out int[] ids)
    {
        ids = [];
        if (_byteIds is null) return false;
        var bytes = Encoding.UTF8.GetBytes(s);
        var result = new int[bytes.Length];
        for (int k = 0; k < bytes.Length; k++)
        {
            result[k] = _byteIds[bytes[k]];
            if (result[k] < 0) return false;
        }
        ids = result;
        return true;
    }

    /// <summary>HF's Word::merge_all: a min-heap of (rank, position); stale entries are skipped.</summary>
    private void MergeAll(List<Symbol> symbols)
    {
        // Priority rank·2³² + position: lowest rank first, then leftmost.
        var queue = new PriorityQueue<(int Pos, int NewId), long>();
        for (int k = 0; k + 1 < symbols.Count; k++)
            if (_merges.TryGetValue(Key(symbols[k].Id, symbols[k + 1].Id), out var m))
                queue.Enqueue((k, m.NewId), Key(m.Rank, k));

        while (queue.TryDequeue(out var top, out _))
        {
            var left = symbols[top.Pos];
            if (!left.Alive || left.Next < 0) continue;
            var right = symbols[left.Next];
            if (!_merges.TryGetValue(Key(left.Id, right.Id), out var current) || current.NewId != top.NewId) continue;

            left.Id = top.NewId;
            left.End = right.End;
            left.Next = right.Next;
            right.Alive = false;
            if (right.Next >= 0) symbols[right.Next].Prev = top.Pos;

            if (left.Prev >= 0 && _merges.TryGetValue(Key(symbols[left.Prev].Id, left.Id), out var withPrev))
                queue.Enqueue((left.Prev, withPrev.NewId), Key(withPrev.Rank, left.Prev));
            if (left.Next >= 0 && _merges.TryGetValue(Key(left.Id, symbols[left.Next].Id), out var withNext))
                queue.Enqueue((top.Pos, withNext.NewId), Key(withNext.Rank, top.Pos));
        }
    }
}
