using Relens.Tokenization;

namespace Relens.World;

/// <summary>
/// Fits a byte-level BPE vocabulary to a corpus, as Hugging Face's BpeTrainer does: start from the 256
/// byte characters, repeatedly merge the most frequent adjacent pair (ties: the pair of smaller ids),
/// stop at the vocabulary size or when no pair occurs <c>minFrequency</c> times.
/// Fast because it works on unique pre-tokens with counts and updates pair counts incrementally: a merge
/// touches only the words that contain the merged pair.
/// </summary>
public static class BpeTrainer
{
    /// <param name="vocabSize">Total size including the 256 byte tokens and the special tokens.</param>
    /// <param name="specialTokens">Added tokens (e.g. "&lt;|endoftext|&gt;"): cut out of the text before
    /// counting and given the last ids.</param>
    public static BpeVocabulary Train(IEnumerable<string> texts, int vocabSize, IReadOnlyList<string> specialTokens, int minFrequency = 2)
    {
        int merges = vocabSize - 256 - specialTokens.Count;
        if (merges < 0) throw new RelensException($"vocabulary size {vocabSize} is below 256 bytes + {specialTokens.Count} special tokens");

        // GPT-2's byte order: ids 0–255 are the byte characters sorted by code point (printable bytes stand for
        // themselves, the others were moved to U+0100..).
        var tokens = Enumerable.Range(0, 256).Select(b => ByteLevelAlphabet.CharOf((byte)b)).Order().Select(c => c.ToString()).ToList();
        var baseId = tokens.Select((t, i) => (t, i)).ToDictionary(x => x.t[0], x => x.i);
        var (words, counts) = CountWords(texts, specialTokens, baseId);

        var pairCount = new Dictionary<(int, int), long>();
        var where = new Dictionary<(int, int), HashSet<int>>();
        for (int w = 0; w < words.Count; w++) AddPairs(words[w], w, counts[w], +1, pairCount, where, null);

        // Max-heap by count, then smaller pair first; stale entries are skipped when popped.
        var heap = new PriorityQueue<(int, int), (long, int, int)>();
        foreach (var (p, c) in pairCount) heap.Enqueue(p, (-c, p.Item1, p.Item2));

        var mergeList = new List<(int, int)>();
        var changed = new HashSet<(int, int)>();
        while (mergeList.Count < merges && heap.TryDequeue(out var pair, out var prio))
        {
            long current = pairCount.GetValueOrDefault(pair);
            if (current != -prio.Item1) continue;   // stale
            if (current < minFrequency) break;
            int id = tokens.Count;
            tokens.Add(tokens[pair.Item1] + tokens[pair.Item2]);
            mergeList.Add(pair);
            changed.Clear();
            foreach (int w in where[pair].ToList())
            {
                var word = words[w];
                if (!Contains(word, pair)) continue;
                AddPairs(word, w, counts[w], -1, pairCount, where, changed);
                words[w] = word = Merge(word, pair, id);
                AddPairs(word, w, counts[w], +1, pairCount, where, changed);
            }
            foreach (var p in changed)
                if (pairCount.GetValueOrDefault(p) is var c && c > 0) heap.Enqueue(p, (-c, p.Item1, p.Item2));
        }
        tokens.AddRange(specialTokens);
        return new BpeVocabulary(tokens, mergeList.Select(m => (tokens[m.Item1], tokens[m.Item2])).ToList(), specialTokens);
    }

    private static (List<int[]> Words, List<long> Counts) CountWords(
        IEnumerable<string> texts, IReadOnlyList<string> specials, Dictionary<char, int> baseId)
    {
        var freq = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var text in texts)
            foreach (var part in SplitSpecial(text, specials))
            {
                if (part.IsSpecial) continue;
                foreach (var (start, len) in Gpt2PreTokenSplitter.Split(part.Text))
                {
                    string key = part.Text.Substring(start, len);
                    freq[key] = freq.GetValueOrDefault(key) + 1;
                }
            }
        // Sorted so that the merges do not depend on dictionary order.
        var ordered = freq.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        return (ordered.Select(kv => ByteLevelAlphabet.EncodeText(kv.Key).Select(c => baseId[c]).ToArray()).ToList(),
                ordered.Select(kv => kv.Value).ToList());
    }

    private static void AddPairs(int[] word, int w, long count, int sign,
        Dictionary<(int, int), long> pairCount, Dictionary<(int, int), HashSet<int>> where, HashSet<(int, int)>? changed)
    {
        for (int i = 0; i + 1 < word.Length; i++)
        {
            var p = (word[i], word[i + 1]);
            pairCount[p] = pairCount.GetValueOrDefault(p) + sign * count;
            if (sign > 0)
            {
                if (!where.TryGetValue(p, out var set)) where[p] = set = new HashSet<int>();
                set.Add(w);
            }
            changed?.Add(p);
        }
    }

    private static bool Contains(int[] word, (int, int) pair)
    {
        for (int i = 0; i + 1 < word.Length; i++)
            if (word[i] == pair.Item1 && word[i + 1] == pair.Item2) return true;
        return false;
    }

    /// <summary>Replaces non-overlapping occurrences left to right, as BPE encoding does.</summary>
    private static int[] Merge(int[] word, (int, int) pair, int id)
    {
        var result = new List<int>(word.Length);
        for (int i = 0; i < word.Length; i++)
        {
            if (i + 1 < word.Length && word[i] == pair.Item1 && word[i + 1] == pair.Item2) { result.Add(id); i++; }
            else result.Add(word[i]);
        }
        return result.ToArray();
    }

    /// <summary>Splits text at special-token occurrences: they are never part of a pre-token (as HF's added tokens).</summary>
    private static IEnumerable<(string Text, bool IsSpecial)> SplitSpecial(string text, IReadOnlyList<string> specials)
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
