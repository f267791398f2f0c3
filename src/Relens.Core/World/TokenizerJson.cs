using System.Text.Encodings.Web;
using System.Text.Json;

namespace Relens.World;

/// <summary>
/// Writes a <see cref="BpeVocabulary"/> as a GPT-2-style Hugging Face tokenizer.json (model BPE,
/// ByteLevel pre-tokenizer/decoder/post-processor, special tokens as added tokens), plus the small
/// tokenizer_config.json that lets AutoTokenizer pick GPT-2's fast tokenizer class.
/// </summary>
public static class TokenizerJson
{
    public static void Write(BpeVocabulary vocab, string path)
    {
        using var stream = File.Create(path);
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        w.WriteStartObject();
        w.WriteString("version", "1.0");
        w.WriteNull("truncation");
        w.WriteNull("padding");
        w.WriteStartArray("added_tokens");
        foreach (var s in vocab.SpecialTokens)
        {
            w.WriteStartObject();
            w.WriteNumber("id", vocab.TokenToId(s)!.Value);
            w.WriteString("content", s);
            w.WriteBoolean("single_word", false);
            w.WriteBoolean("lstrip", false);
            w.WriteBoolean("rstrip", false);
            w.WriteBoolean("normalized", true);
            w.WriteBoolean("special", true);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteNull("normalizer");
        ByteLevelSection(w, "pre_tokenizer", trimOffsets: true);
        ByteLevelSection(w, "post_processor", trimOffsets: true);
        ByteLevelSection(w, "decoder", trimOffsets: true);
        w.WriteStartObject("model");
        w.WriteString("type", "BPE");
        w.WriteNull("dropout");
        w.WriteNull("unk_token");
        w.WriteString("continuing_subword_prefix", "");
        w.WriteString("end_of_word_suffix", "");
        w.WriteBoolean("fuse_unk", false);
        w.WriteBoolean("byte_fallback", false);
        w.WriteBoolean("ignore_merges", false);
        w.WriteStartObject("vocab");
        for (int i = 0; i < vocab.Tokens.Count; i++) w.WriteNumber(vocab.Tokens[i], i);
        w.WriteEndObject();
        w.WriteStartArray("merges");
        foreach (var (a, b) in vocab.Merges) w.WriteStringValue(a + " " + b);
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>tokenizer_config.json naming the special token as bos/eos/unk, as GPT-2's does.</summary>
    public static void WriteConfig(BpeVocabulary vocab, string path, int modelMaxLength)
    {
        string eos = vocab.EosToken ?? throw new RelensException("the vocabulary has no special token");
        var config = new Dictionary<string, object>
        {
            ["tokenizer_class"] = "GPT2Tokenizer",
            ["bos_token"] = eos, ["eos_token"] = eos, ["unk_token"] = eos,
            ["add_prefix_space"] = false,
            ["model_max_length"] = modelMaxLength,
        };
        File.WriteAllText(path, JsonSerializer.Serialize(config, new JsonSerializerOptions { WriteIndented = true }));
    }

    private static void ByteLevelSection(Utf8JsonWriter w, string name, bool trimOffsets)
    {
        w.WriteStartObject(name);
        w.WriteString("type", "ByteLevel");
        w.WriteBoolean("add_prefix_space", false);
        w.WriteBoolean("trim_offsets", trimOffsets);
        w.WriteBoolean("use_regex", true);
        w.WriteEndObject();
    }
}
