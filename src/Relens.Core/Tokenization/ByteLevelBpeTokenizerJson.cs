using System.Text.Encodings.Web;
using System.Text.Json;

namespace Relens.Tokenization;

/// <summary>
/// Writes a GPT-2-style byte-level BPE tokenizer.json (ByteLevel pre-tokenizer/post-processor/decoder,
/// BPE model) that Hugging Face tokenizers and <see cref="TokenizerLoader"/> read. Merges are written in
/// the classic "a b" form, which every tokenizers version reads (byte-level tokens never contain a space).
/// </summary>
public static class ByteLevelBpeTokenizerJson
{
    /// <param name="path">The tokenizer.json to create or overwrite.</param>
    /// <param name="vocab">Tokens in the <see cref="ByteLevelAlphabet"/> ("Ġthe") → ids; must contain all
    /// 256 single-byte tokens so that any text can be encoded.</param>
    /// <param name="merges">Merge pairs, highest priority first; both parts and their concatenation must be in the vocabulary.</param>
    /// <param name="addedTokens">Special tokens such as "&lt;|endoftext|&gt;": recognised literally in text. One
    /// already in <paramref name="vocab"/> keeps its id; a new one gets the next free id (and joins the model
    /// vocabulary, as GPT-2's does).</param>
    /// <exception cref="ArgumentException">The vocabulary or merges are inconsistent.</exception>
    /// <exception cref="RelensException">The file cannot be written.</exception>
    public static void Write(string path, IReadOnlyDictionary<string, int> vocab,
        IReadOnlyList<(string Left, string Right)> merges, IReadOnlyList<string>? addedTokens = null)
    {
        var full = Validate(vocab, merges);
        var added = new List<(string Content, int Id)>();
        int next = full.Count == 0 ? 0 : full.Values.Max() + 1;
        foreach (var content in addedTokens ?? [])
        {
            if (string.IsNullOrEmpty(content)) throw new ArgumentException("an added token is empty", nameof(addedTokens));
            if (added.Any(a => a.Content == content)) continue;
            if (!full.TryGetValue(content, out int id)) full[content] = id = next++;
            added.Add((content, id));
        }

        try
        {
            using var stream = File.Create(path);
            using var w = new Utf8JsonWriter(stream, new JsonWriterOptions
            {
                Indented = true,
                Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // tokens as readable text, like HF
            });
            WriteDocument(w, full, merges, added);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw RelensException.InFile(path, $"cannot be written: {e.Message}");
        }
    }

    private static Dictionary<string, int> Validate(IReadOnlyDictionary<string, int> vocab, IReadOnlyList<(string Left, string Right)> merges)
    {
        var byId = new Dictionary<int, string>();
        foreach (var (token, id) in vocab)
        {
            if (id < 0) throw new ArgumentException($"token \"{token}\" has a negative id {id}", nameof(vocab));
            if (!byId.TryAdd(id, token)) throw new ArgumentException($"tokens \"{byId[id]}\" and \"{token}\" share id {id}", nameof(vocab));
        }
        for (int b = 0; b < 256; b++)
            if (!vocab.ContainsKey(ByteLevelAlphabet.CharOf((byte)b).ToString()))
                throw new ArgumentException($"the single-byte token for byte 0x{b:X2} (\"{ByteLevelAlphabet.CharOf((byte)b)}\") is missing", nameof(vocab));
        for (int k = 0; k < merges.Count; k++)
        {
            var (l, r) = merges[k];
            foreach (var t in new[] { l, r, l + r })
            {
                if (!vocab.ContainsKey(t)) throw new ArgumentException($"merges[{k}] (\"{l}\" \"{r}\"): \"{t}\" is not in the vocabulary", nameof(merges));
                if (t.Contains(' ')) throw new ArgumentException($"merges[{k}]: \"{t}\" contains a space, which byte-level tokens never do", nameof(merges));
            }
        }
        return new Dictionary<string, int>(vocab);
    }

    private static void WriteDocument(Utf8JsonWriter w, Dictionary<string, int> vocab,
        IReadOnlyList<(string Left, string Right)> merges, List<(string Content, int Id)> added)
    {
        w.WriteStartObject();
        w.WriteString("version", "1.0");
        w.WriteNull("truncation");
        w.WriteNull("padding");
        w.WriteStartArray("added_tokens");
        foreach (var (content, id) in added.OrderBy(a => a.Id))
        {
            w.WriteStartObject();
            w.WriteNumber("id", id);
            w.WriteString("content", content);
            w.WriteBoolean("single_word", false);
            w.WriteBoolean("lstrip", false);
            w.WriteBoolean("rstrip", false);
            w.WriteBoolean("normalized", true);
            w.WriteBoolean("special", true);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteNull("normalizer");
        WriteByteLevel(w, "pre_tokenizer", addPrefixSpace: false, trimOffsets: true);
        WriteByteLevel(w, "post_processor", addPrefixSpace: true, trimOffsets: false);
        WriteByteLevel(w, "decoder", addPrefixSpace: true, trimOffsets: true);

        w.WriteStartObject("model");
        w.WriteString("type", "BPE");
        w.WriteNull("dropout");
        w.WriteNull("unk_token");
        w.WriteString("continuing_subword_prefix", "");
        w.WriteString("end_of_word_suffix", "");
        w.WriteBoolean("fuse_unk", false);
        w.WriteBoolean("byte_fallback", false);
        w.WriteStartObject("vocab");
        foreach (var (token, id) in vocab.OrderBy(kv => kv.Value)) w.WriteNumber(token, id);
        w.WriteEndObject();
        w.WriteStartArray("merges");
        foreach (var (l, r) in merges) w.WriteStringValue(l + " " + r);
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
    }

    // The same settings as GPT-2's own tokenizer.json.
    private static void WriteByteLevel(Utf8JsonWriter w, string name, bool addPrefixSpace, bool trimOffsets)
    {
        w.WriteStartObject(name);
        w.WriteString("type", "ByteLevel");
        w.WriteBoolean("add_prefix_space", addPrefixSpace);
        w.WriteBoolean("trim_offsets", trimOffsets);
        w.WriteBoolean("use_regex", true);
        w.WriteEndObject();
    }
}
