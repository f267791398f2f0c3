using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using static Relens.Tokenization.JsonFields;

namespace Relens.Tokenization;

/// <summary>
/// Turns a parsed tokenizer.json into a <see cref="TokenizerPipeline"/>. Supports the BPE model and the
/// components GPT-2/GPT-J/NeoX/LLaMA(-2/-3)-family files use; anything else is reported by name
/// (<see cref="TokenizerFormatException"/>) rather than silently tokenized differently from HF.
/// </summary>
internal static class TokenizerJsonReader
{
    public static TokenizerPipeline Read(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
            throw new TokenizerFormatException($"the top level should be an object but is {Describe(root)}");
        bool trim = false;
        var model = ReadModel(RequiredObject(root, "model", ""));
        var added = ReadAddedTokens(root);
        var normalizer = Optional(root, "normalizer") is { } n ? ReadNormalizer(n, "normalizer") : null;
        var pre = Optional(root, "pre_tokenizer") is { } p ? ReadPreTokenizer(p, "pre_tokenizer") : null;
        // Only the post-processor trims offsets (HF tokenizers: ByteLevel's PostProcessor::process_encodings);
        // the pre-tokenizer's own trim_offsets field has no effect. GPT-2's file sets it true there, false here.
        var post = Optional(root, "post_processor") is { } q ? ReadPostProcessor(q, "post_processor", model, added, ref trim) : null;
        var decoder = Optional(root, "decoder") is { } d ? ReadDecoder(d, "decoder") : null;
        return new TokenizerPipeline(model, added, normalizer, pre, post, decoder, trim);
    }

    private static BpeModel ReadModel(JsonElement m)
    {
        // HF accepts a model without "type" when its fields identify it (untagged).
        var type = OptionalString(m, "type", "model") ?? "BPE";
        if (type != "BPE")
            throw new TokenizerFormatException($"model.type is \"{type}\"; only BPE tokenizers are supported");
        if (Optional(m, "dropout") is { ValueKind: JsonValueKind.Number } dr && dr.GetDouble() > 0)
            throw new TokenizerFormatException("model.dropout is set; BPE dropout makes tokenization random and is not supported");

        var vocabJson = RequiredObject(m, "vocab", "model");
        var vocab = new Dictionary<string, int>();
        foreach (var entry in vocabJson.EnumerateObject())
            vocab[entry.Name] = Int(entry.Value, $"model.vocab[\"{entry.Name}\"]");
        if (vocab.Count == 0) throw new TokenizerFormatException("model.vocab is empty");

        var merges = new List<(string, string)>();
        if (Optional(m, "merges") is { } mergesJson)
        {
            if (mergesJson.ValueKind != JsonValueKind.Array)
                throw new TokenizerFormatException($"model.merges should be an array but is {Describe(mergesJson)}");
            int k = 0;
            foreach (var item in mergesJson.EnumerateArray())
            {
                merges.Add(ReadMerge(item, $"model.merges[{k}]"));
                k++;
            }
        }
        var options = new BpeOptions(
            UnkToken: OptionalString(m, "unk_token", "model"),
            FuseUnk: Bool(m, "fuse_unk", false, "model"),
            ByteFallback: Bool(m, "byte_fallback", false, "model"),
            ContinuingSubwordPrefix: NullIfEmpty(OptionalString(m, "continuing_subword_prefix", "model")),
            EndOfWordSuffix: NullIfEmpty(OptionalString(m, "end_of_word_suffix", "model")),
            IgnoreMerges: Bool(m, "ignore_merges", false, "model"));
        return new BpeModel(vocab, merges, options);
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    /// <summary>A merge in the classic "a b" form or the newer ["a", "b"] form.</summary>
    private static (string, string) ReadMerge(JsonElement item, string where)
    {
        if (item.ValueKind == JsonValueKind.String)
        {
            var parts = item.GetString()!.Split(' ');
            if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
                throw new TokenizerFormatException($"{where} should be two tokens separated by one space but is {Describe(item)}");
            return (parts[0], parts[1]);
        }
        if (item.ValueKind == JsonValueKind.Array && item.GetArrayLength() == 2)
            return (String(item[0], where + "[0]"), String(item[1], where + "[1]"));
        throw new TokenizerFormatException($"{where} should be \"a b\" or [\"a\", \"b\"] but is {Describe(item)}");
    }

    private static List<AddedToken> ReadAddedTokens(JsonElement root)
    {
        var result = new List<AddedToken>();
        if (Optional(root, "added_tokens") is not { } list) return result;
        if (list.ValueKind != JsonValueKind.Array)
            throw new TokenizerFormatException($"added_tokens should be an array but is {Describe(list)}");
        int k = 0;
        foreach (var t in list.EnumerateArray())
        {
            string where = $"added_tokens[{k++}]";
            result.Add(new AddedToken(
                Id: Int(Required(t, "id", where), where + ".id"),
                Content: RequiredString(t, "content", where),
                Special: Bool(t, "special", false, where),
                Normalized: Bool(t, "normalized", !Bool(t, "special", false, where), where),
                LStrip: Bool(t, "lstrip", false, where),
                RStrip: Bool(t, "rstrip", false, where),
                SingleWord: Bool(t, "single_word", false, where)));
        }
        return result;
    }

    private static string TypeOf(JsonElement e, string where)
    {
        if (e.ValueKind != JsonValueKind.Object)
            throw new TokenizerFormatException($"{where} should be an object but is {Describe(e)}");
        return RequiredString(e, "type", where);
    }

    private static List<JsonElement> Items(JsonElement e, string name, string where) =>
        RequiredArray(e, name, where).ToList();

    private static INormalizer ReadNormalizer(JsonElement e, string where)
    {
        var type = TypeOf(e, where);
        return type switch
        {
            "Sequence" => new SequenceNormalizer(Items(e, "normalizers", where)
                .Select((x, i) => ReadNormalizer(x, $"{where}.normalizers[{i}]")).ToList()),
            "Prepend" => new PrependNormalizer(RequiredString(e, "prepend", where)),
            "Replace" => new ReplaceNormalizer(ReadPattern(e, where), RequiredString(e, "content", where)),
            "NFC" => new UnicodeNormalizer(NormalizationForm.FormC),
            "NFD" => new UnicodeNormalizer(NormalizationForm.FormD),
            "NFKC" => new UnicodeNormalizer(NormalizationForm.FormKC),
            "NFKD" => new UnicodeNormalizer(NormalizationForm.FormKD),
            "Lowercase" => new LowercaseNormalizer(),
            _ => throw Unsupported(where, type),
        };
    }

    private static IPreTokenizer ReadPreTokenizer(JsonElement e, string where)
    {
        var type = TypeOf(e, where);
        switch (type)
        {
            case "Sequence":
            {
                var steps = new List<IPreTokenizer>();
                int i = 0;
                foreach (var x in Items(e, "pretokenizers", where)) steps.Add(ReadPreTokenizer(x, $"{where}.pretokenizers[{i++}]"));
                return new SequencePreTokenizer(steps);
            }
            case "ByteLevel":
                return new ByteLevelPreTokenizer(Bool(e, "add_prefix_space", true, where), Bool(e, "use_regex", true, where));
            case "Split":
                return new SplitPreTokenizer(ReadPattern(e, where), ReadBehavior(e, where), Bool(e, "invert", false, where));
            case "Metaspace":
                return new MetaspacePreTokenizer(ReadReplacement(e, where), ReadPrependScheme(e, where), Bool(e, "split", true, where));
            default:
                throw Unsupported(where, type);
        }
    }

    private static IPostProcessor ReadPostProcessor(JsonElement e, string where, BpeModel model, List<AddedToken> added, ref bool trim)
    {
        var type = TypeOf(e, where);
        switch (type)
        {
            case "Sequence":
            {
                var steps = new List<IPostProcessor>();
                int i = 0;
                foreach (var x in Items(e, "processors", where)) steps.Add(ReadPostProcessor(x, $"{where}.processors[{i++}]", model, added, ref trim));
                return new SequencePostProcessor(steps);
            }
            case "ByteLevel":
                trim |= Bool(e, "trim_offsets", true, where);
                return new SequencePostProcessor([]);
            case "TemplateProcessing":
                return ReadTemplate(e, where);
            case "RobertaProcessing":
            case "BertProcessing":
                if (type == "RobertaProcessing") trim |= Bool(e, "trim_offsets", true, where);
                return new TemplatePostProcessor([ReadPair(e, "cls", where), new TemplatePart.Sequence(), ReadPair(e, "sep", where)]);
            default:
                throw Unsupported(where, type);
        }
    }

    /// <summary>Roberta/Bert processors name their tokens as ["&lt;s&gt;", 0].</summary>
    private static TemplatePart ReadPair(JsonElement e, string name, string where)
    {
        var v = Required(e, name, where);
        if (v.ValueKind != JsonValueKind.Array || v.GetArrayLength() != 2)
            throw new TokenizerFormatException($"{Join(where, name)} should be [token, id] but is {Describe(v)}");
        return new TemplatePart.Special([Int(v[1], $"{Join(where, name)}[1]")], [String(v[0], $"{Join(where, name)}[0]")]);
    }

    private static TemplatePostProcessor ReadTemplate(JsonElement e, string where)
    {
        var specials = Optional(e, "special_tokens");
        var parts = new List<TemplatePart>();
        int i = 0;
        foreach (var item in RequiredArray(e, "single", where))
        {
            string itemWhere = $"{where}.single[{i++}]";
            if (Optional(item, "Sequence") is not null)
            {
                parts.Add(new TemplatePart.Sequence());
                continue;
            }
            var name = RequiredString(RequiredObject(item, "SpecialToken", itemWhere), "id", itemWhere + ".SpecialToken");
            var spec = specials is { } s ? Optional(s, name) : null;
            if (spec is not { } sp)
                throw new TokenizerFormatException($"{itemWhere} uses the special token \"{name}\", which {where}.special_tokens does not define");
            string specWhere = $"{where}.special_tokens[\"{name}\"]";
            var ids = RequiredArray(sp, "ids", specWhere).Select((x, k) => Int(x, $"{specWhere}.ids[{k}]")).ToArray();
            var tokens = RequiredArray(sp, "tokens", specWhere).Select((x, k) => String(x, $"{specWhere}.tokens[{k}]")).ToArray();
            if (ids.Length != tokens.Length)
                throw new TokenizerFormatException($"{specWhere} has {ids.Length} ids but {tokens.Length} tokens");
            parts.Add(new TemplatePart.Special(ids, tokens));
        }
        return new TemplatePostProcessor(parts);
    }

    private static IDecoder ReadDecoder(JsonElement e, string where)
    {
        var type = TypeOf(e, where);
        return type switch
        {
            "Sequence" => new SequenceDecoder(Items(e, "decoders", where)
                .Select((x, i) => ReadDecoder(x, $"{where}.decoders[{i}]")).ToList()),
            "ByteLevel" => new ByteLevelDecoder(),
            "Replace" => new ReplaceDecoder(ReadPattern(e, where), RequiredString(e, "content", where)),
            "ByteFallback" => new ByteFallbackDecoder(),
            "Fuse" => new FuseDecoder(),
            "Strip" => new StripDecoder(ReadChar(e, "content", where), Int(e, "start", 0, where), Int(e, "stop", 0, where)),
            "Metaspace" => new MetaspaceDecoder(ReadReplacement(e, where), ReadPrependScheme(e, where)),
            _ => throw Unsupported(where, type),
        };
    }

    /// <summary>{"String": "…"} (literal) or {"Regex": "…"} (Oniguruma syntax; the common subset is .NET's).</summary>
    private static Regex ReadPattern(JsonElement e, string where)
    {
        var p = RequiredObject(e, "pattern", where);
        if (OptionalString(p, "String", where + ".pattern") is { } literal)
            return new Regex(Regex.Escape(literal), RegexOptions.CultureInvariant);
        var regex = RequiredString(p, "Regex", where + ".pattern");
        try { return new Regex(regex, RegexOptions.CultureInvariant); }
        catch (ArgumentException ex) { throw new TokenizerFormatException($"{where}.pattern.Regex is not a usable regular expression: {ex.Message}"); }
    }

    private static SplitBehavior ReadBehavior(JsonElement e, string where)
    {
        var s = RequiredString(e, "behavior", where);
        return Enum.TryParse<SplitBehavior>(s, out var b) ? b
            : throw new TokenizerFormatException($"{where}.behavior \"{s}\" is not one of {string.Join(", ", Enum.GetNames<SplitBehavior>())}");
    }

    private static char ReadReplacement(JsonElement e, string where) =>
        Optional(e, "replacement") is null ? '\u2581' : ReadChar(e, "replacement", where);

    private static char ReadChar(JsonElement e, string name, string where)
    {
        var s = RequiredString(e, name, where);
        return s.Length == 1 ? s[0] : throw new TokenizerFormatException($"{Join(where, name)} should be one character but is \"{s}\"");
    }

    /// <summary>"prepend_scheme" (always/first/never), or the older "add_prefix_space" flag.</summary>
    private static PrependScheme ReadPrependScheme(JsonElement e, string where)
    {
        if (OptionalString(e, "prepend_scheme", where) is { } s)
            return s switch
            {
                "always" => PrependScheme.Always,
                "first" => PrependScheme.First,
                "never" => PrependScheme.Never,
                _ => throw new TokenizerFormatException($"{where}.prepend_scheme \"{s}\" is not always, first or never"),
            };
        return Bool(e, "add_prefix_space", true, where) ? PrependScheme.Always : PrependScheme.Never;
    }

    private static TokenizerFormatException Unsupported(string where, string type) =>
        new($"{where}.type \"{type}\" is not supported");
}
