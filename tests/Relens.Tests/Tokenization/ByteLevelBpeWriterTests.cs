using Relens.Tokenization;

namespace Relens.Tests.Tokenization;

/// <summary>A tokenizer.json written by <see cref="ByteLevelBpeTokenizerJson"/> reads back through the loader
/// and tokenizes like a naive reference BPE (GPT-2's original "merge the best pair everywhere" loop).</summary>
[Trait(TestCategories.Name, TestCategories.Golden)]
public class ByteLevelBpeWriterTests
{
    private static (Dictionary<string, int> Vocab, List<(string, string)> Merges) SmallModel()
    {
        var vocab = new Dictionary<string, int>();
        for (int b = 0; b < 256; b++) vocab[ByteLevelAlphabet.CharOf((byte)b).ToString()] = b;
        var merges = new List<(string, string)>
        {
            ("Ġ", "t"), ("h", "e"), ("Ġt", "he"), ("i", "s"), ("Ġ", "c"), ("a", "p"), ("Ġc", "ap"),
            ("i", "t"), ("Ġcap", "it"), ("a", "l"), ("Ġcapit", "al"), ("Ã", "©"), ("c", "af"), ("a", "f"),
        };
        foreach (var (l, r) in merges) vocab.TryAdd(l + r, vocab.Count);
        return (vocab, merges);
    }

    [Fact]
    public void WrittenFileReadsBackAndEncodesLikeAReferenceBpe()
    {
        var (vocab, merges) = SmallModel();
        var path = Path.Combine(TestPaths.NewTempDir("tok-writer"), "tokenizer.json");
        ByteLevelBpeTokenizerJson.Write(path, vocab, merges, ["<|endoftext|>"]);
        var tok = TokenizerLoader.FromFile(path);

        Assert.Equal(vocab.Count + 1, tok.VocabSize);
        foreach (var (token, id) in vocab) Assert.Equal(id, tok.TokenToId(token));
        Assert.Equal(vocab.Count, tok.EosTokenId);
        Assert.Equal("<|endoftext|>", tok.EosToken);

        foreach (var text in new[] { "the capital is", "The capital of Thailand", "café thé", "it's 42!\n  ok", "" })
        {
            var expected = Gpt2PreTokenSplitter.Split(text)
                .SelectMany(p => ReferenceBpe(ByteLevelAlphabet.EncodeText(text.Substring(p.Start, p.Length)), merges))
                .Select(t => vocab[t]).ToArray();
            var enc = tok.Encode(text);
            Assert.Equal(expected, enc.Ids);
            Assert.Equal(text, tok.Decode(enc.Ids));
        }
        var withEos = tok.Encode("the<|endoftext|>the");
        Assert.Equal([vocab["t"], vocab["he"], vocab.Count, vocab["t"], vocab["he"]], withEos.Ids);
    }

    [Fact]
    public void GoldenVocabularyRoundTrips()
    {
        // Re-export GPT-2's own vocabulary and merges: the copy must tokenize exactly like the original.
        var gpt2 = GoldenTokenizers.Gpt2;
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(Path.Combine(TestPaths.Golden("gpt2-tiny"), "tokenizer.json")));
        var model = doc.RootElement.GetProperty("model");
        var vocab = model.GetProperty("vocab").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
        var merges = model.GetProperty("merges").EnumerateArray().Select(m => (m[0].GetString()!, m[1].GetString()!)).ToList();
        var path = Path.Combine(TestPaths.NewTempDir("tok-writer-gpt2"), "tokenizer.json");
        ByteLevelBpeTokenizerJson.Write(path, vocab, merges, ["<|endoftext|>"]);

        var copy = TokenizerLoader.FromFile(path);
        Assert.Equal(gpt2.VocabSize, copy.VocabSize);
        foreach (var text in RelationStrings.EdgeCases.Append("<|endoftext|>The capital city of France is Paris"))
        {
            Assert.Equal(gpt2.Encode(text).Ids, copy.Encode(text).Ids);
            Assert.Equal(gpt2.Encode(text).Offsets, copy.Encode(text).Offsets);
        }
    }

    [Fact]
    public void InconsistentInputIsRejected()
    {
        var (vocab, merges) = SmallModel();
        var path = Path.Combine(TestPaths.NewTempDir("tok-writer-bad"), "tokenizer.json");
        Assert.Contains("\"zz\"", Assert.Throws<ArgumentException>(() =>
            ByteLevelBpeTokenizerJson.Write(path, vocab, [.. merges, ("z", "z")])).Message);
        var noByte = new Dictionary<string, int>(vocab);
        noByte.Remove("Ġ");
        Assert.Contains("0x20", Assert.Throws<ArgumentException>(() => ByteLevelBpeTokenizerJson.Write(path, noByte, [])).Message);
        var clash = new Dictionary<string, int>(vocab) { ["extra"] = 0 };
        Assert.Contains("share id 0", Assert.Throws<ArgumentException>(() => ByteLevelBpeTokenizerJson.Write(path, clash, [])).Message);
        Assert.False(File.Exists(path));
    }

    /// <summary>openai/gpt-2 encoder.py's bpe(): repeatedly merge every occurrence of the best-ranked pair.</summary>
    private static List<string> ReferenceBpe(string word, List<(string, string)> merges)
    {
        var ranks = new Dictionary<(string, string), int>();
        for (int i = 0; i < merges.Count; i++) ranks.TryAdd(merges[i], i);
        var parts = word.Select(c => c.ToString()).ToList();
        while (parts.Count > 1)
        {
            var best = Enumerable.Range(0, parts.Count - 1)
                .Select(i => (parts[i], parts[i + 1]))
                .Where(ranks.ContainsKey)
                .OrderBy(p => ranks[p])
                .FirstOrDefault();
            if (best == default) break;
            var merged = new List<string>();
            for (int i = 0; i < parts.Count; i++)
            {
                if (i + 1 < parts.Count && (parts[i], parts[i + 1]) == best)
                {
                    merged.Add(parts[i] + parts[i + 1]);
                    i++;
                }
                else merged.Add(parts[i]);
            }
            parts = merged;
        }
        return parts;
    }
}
