using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.ML.Tokenizers;
using Relens.World;

namespace Relens.Tests.World;

public class BpeTests : IClassFixture<TinyWorldFixture>
{
    private readonly TinyWorldFixture _w;
    public BpeTests(TinyWorldFixture w) => _w = w;

    [Fact]
    public void The_first_256_ids_are_GPT2s_bytes_in_GPT2s_order()
    {
        // GPT-2's vocab.json: "!" (byte 33) is id 0, "~" id 93, "¡" id 94, then Ā (byte 0) at id 188, Ġ (space) at 220
        Assert.Equal(256, _w.Vocab.Tokens.Take(256).Distinct().Count());
        Assert.Equal("!", _w.Vocab.Tokens[0]);
        Assert.Equal("~", _w.Vocab.Tokens[93]);
        Assert.Equal("¡", _w.Vocab.Tokens[94]);
        Assert.Equal("Ā", _w.Vocab.Tokens[188]);
        Assert.Equal("Ġ", _w.Vocab.Tokens[220]);
    }

    [Fact]
    public void Training_is_deterministic_reaches_the_size_and_merges_only_known_tokens()
    {
        var again = BpeTrainer.Train(_w.Corpus.Documents(0), 600, [WorldDocuments.EndOfText]);
        Assert.Equal(_w.Vocab.Tokens, again.Tokens);
        Assert.Equal(_w.Vocab.Merges, again.Merges);
        Assert.True(_w.Vocab.VocabSize <= 600);
        Assert.Equal(WorldDocuments.EndOfText, _w.Vocab.Tokens[^1]);
        Assert.Equal(_w.Vocab.VocabSize - 1, _w.Vocab.EosTokenId);
        Assert.Equal(_w.Vocab.VocabSize - 257, _w.Vocab.Merges.Count);
    }

    [Fact]
    public void Frequent_words_become_single_tokens_and_text_round_trips()
    {
        Assert.Single(_w.Ids(" capital"));
        foreach (var doc in _w.Corpus.Documents(1).Take(20).Append("<|endoftext|>Zdeno Chára's naïve café — 123\n\n x"))
            Assert.Equal(doc, _w.Tokenizer.Decode(_w.Ids(doc)));
    }

    [Fact]
    public void Offsets_map_tokens_to_characters_also_for_non_ascii()
    {
        const string text = "<|endoftext|>Zdeno Chára plays";
        var t = _w.Tokenizer.Encode(text);
        Assert.Equal((0, 13), (t.Offsets[0].Start, t.Offsets[0].End));
        Assert.Equal(text.Length, t.Offsets[^1].End);
        int a = text.IndexOf('á');
        for (int i = 1; i < t.Count; i++)
        {
            var (s, e) = (t.Offsets[i].Start, t.Offsets[i].End);
            Assert.True(s <= e && s >= t.Offsets[i - 1].Start);
            // Tokens holding a byte of "á" span that character (HF's rule); the others spell their text.
            if (s <= a && a < e) Assert.Contains("á", text[s..e]);
            else Assert.Equal(_w.Tokenizer.Decode(t.Ids[i]), text[s..e]);   // spaces included, as HF for GPT-2
        }
    }

    [Fact]
    public void Encoding_matches_an_independent_GPT2_BPE_given_the_same_vocab_and_merges()
    {
        // Microsoft.ML.Tokenizers' CodeGen tokenizer is GPT-2's byte-level BPE; fed our vocab and merges
        // it must cut the text exactly as we do.
        var vocabJson = JsonSerializer.Serialize(_w.Vocab.Tokens.Select((t, i) => (t, i)).ToDictionary(x => x.t, x => x.i));
        var merges = "#version: 0.2\n" + string.Join("\n", _w.Vocab.Merges.Select(m => m.Left + " " + m.Right)) + "\n";
        using var v = new MemoryStream(Encoding.UTF8.GetBytes(vocabJson));
        using var m = new MemoryStream(Encoding.UTF8.GetBytes(merges));
        var reference = CodeGenTokenizer.Create(v, m, addPrefixSpace: false, addBeginOfSentence: false, addEndOfSentence: false);
        foreach (var doc in _w.Corpus.Documents(2).Take(30))
        {
            string text = doc.Replace(WorldDocuments.EndOfText, "");
            Assert.Equal(reference.EncodeToIds(text), _w.Ids(text));
        }
    }

    [Fact]
    public void Tokenizer_json_has_the_GPT2_shape_HF_reads()
    {
        string dir = TestPaths.NewTempDir("world-bpe");
        string path = Path.Combine(dir, "tokenizer.json");
        TokenizerJson.Write(_w.Vocab, path);
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var root = doc.RootElement;
        var model = root.GetProperty("model");
        Assert.Equal("BPE", model.GetProperty("type").GetString());
        Assert.Equal(_w.Vocab.VocabSize, model.GetProperty("vocab").EnumerateObject().Count());
        Assert.Equal(_w.Vocab.Merges.Count, model.GetProperty("merges").GetArrayLength());
        var firstMerge = model.GetProperty("merges")[0].GetString()!.Split(' ');
        Assert.Equal(_w.Vocab.Merges[0], (firstMerge[0], firstMerge[1]));
        Assert.Equal(model.GetProperty("vocab").GetProperty("Ġcapital").GetInt32(), _w.Vocab.Tokens.ToList().IndexOf("Ġcapital"));
        var added = root.GetProperty("added_tokens")[0];
        Assert.Equal("<|endoftext|>", added.GetProperty("content").GetString());
        Assert.Equal(_w.Vocab.EosTokenId, added.GetProperty("id").GetInt32());
        Assert.True(added.GetProperty("special").GetBoolean());
        Assert.False(root.GetProperty("pre_tokenizer").GetProperty("add_prefix_space").GetBoolean());
        Assert.Equal("ByteLevel", root.GetProperty("decoder").GetProperty("type").GetString());
        // GPT-2's own tokenizer.json settings (one writer serves the world and the tokenizer tests)
        Assert.False(root.GetProperty("post_processor").GetProperty("trim_offsets").GetBoolean());
        Assert.True(root.GetProperty("pre_tokenizer").GetProperty("trim_offsets").GetBoolean());
    }

    [Fact]
    public void Default_world_BPE_trains_in_seconds()
    {
        var corpus = WorldCorpus.Build(WorldSpec.Default, TestPaths.Relations);
        var sw = Stopwatch.StartNew();
        var vocab = BpeTrainer.Train(corpus.Documents(0), 4096, [WorldDocuments.EndOfText]);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(20), $"BPE took {sw.Elapsed}");
        Assert.True(vocab.VocabSize > 1000);
    }
}
