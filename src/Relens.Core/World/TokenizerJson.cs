using System.Text.Json;

namespace Relens.World;

/// <summary>
/// A <see cref="BpeVocabulary"/> as Hugging Face tokenizer files: tokenizer.json (GPT-2 style, special tokens as
/// added tokens) and the small tokenizer_config.json that lets AutoTokenizer pick GPT-2's fast tokenizer class.
/// </summary>
public static class TokenizerJson
{
    /// <summary>tokenizer.json through the library's one byte-level BPE writer (ids = positions in the vocabulary).</summary>
    public static void Write(BpeVocabulary vocab, string path) =>
        Tokenization.ByteLevelBpeTokenizerJson.Write(path, vocab.Tokens.Select((t, i) => (t, i)).ToDictionary(x => x.t, x => x.i),
            vocab.Merges, vocab.SpecialTokens);

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
}
