using System.Text;
using Relens.Tokenization;

namespace Relens.Tests.Tokenization;

/// <summary>Offsets point back at the right substrings of the original text, and the LRE subject
/// rule (first token with start ≤ charEnd ≤ end) finds the token holding the subject's last character.</summary>
[Trait(TestCategories.Name, TestCategories.Golden)]
public class OffsetTests
{
    private static List<string> Texts()
    {
        var relations = RelationStrings.Relations();
        var texts = RelationStrings.SubjectsAndObjects(relations, stride: 40);
        texts.AddRange(RelationStrings.EdgeCases);
        texts.AddRange(relations.Select(r => RelationStrings.IclPrompt(r, shots: 3)));
        texts.Add("<|endoftext|>" + RelationStrings.IclPrompt(relations[0], shots: 2));
        texts.Add("x <|endoftext|> y");
        texts.Add("𝐀𝐁 letters outside the BMP, 🙂 emoji");
        return texts;
    }

    [Fact]
    public void ByteLevelTokensSpanTheirOwnTextWithTheirSpaces()
    {
        var gpt2 = GoldenTokenizers.Gpt2;
        foreach (var text in Texts())
        {
            var enc = gpt2.Encode(text);
            // All tokens' bytes together are the text's UTF-8; decoding gives the text back.
            var bytes = new List<byte>();
            foreach (var t in enc.Tokens) ByteLevelAlphabet.AppendBytes(t, bytes);
            Assert.Equal(text, Encoding.UTF8.GetString(bytes.ToArray()));
            Assert.Equal(text, gpt2.Decode(enc.Ids));

            for (int i = 0; i < enc.Count; i++)
            {
                var span = enc.Offsets[i];
                Assert.InRange(span.Start, 0, span.End);
                Assert.InRange(span.End, span.Start, text.Length);
                if (i > 0) Assert.True(span.Start >= enc.Offsets[i - 1].Start && span.End >= enc.Offsets[i - 1].End, $"offsets go back at token {i} of \"{text}\"");
                var tokenBytes = new List<byte>();
                ByteLevelAlphabet.AppendBytes(enc.Tokens[i], tokenBytes);
                string spanText = text[span.Start..span.End];
                if (TryDecodeStrict(tokenBytes.ToArray(), out var tokenText))
                    Assert.Equal(tokenText, spanText); // GPT-2's post-processor does not trim: "Ġ" covers its space
                else // part of a multi-byte character: the span is the whole character(s)
                    Assert.True(Contains(Encoding.UTF8.GetBytes(spanText), tokenBytes.ToArray()), $"token {i} of \"{text}\": \"{spanText}\" lacks its bytes");
            }
        }
    }

    [Fact]
    public void ByteLevelSpansEqualHuggingFaceOnAKnownPrompt()
    {
        // HF's fast GPT-2 tokenizer (post-processor trim_offsets false) on the prompt of issue 20: the
        // "Ġ" of the double space is its own token and covers that space.
        const string text = "<|endoftext|>Jimmy Carter  was born in";
        var enc = GoldenTokenizers.Gpt2.Encode(text);
        Assert.Equal(["<|endoftext|>", "Jimmy", "ĠCarter", "Ġ", "Ġwas", "Ġborn", "Ġin"], enc.Tokens);
        Assert.Equal([new CharSpan(0, 13), new CharSpan(13, 18), new CharSpan(18, 25), new CharSpan(25, 26), new CharSpan(26, 30)],
            enc.Offsets.Take(5));
        var spaces = GoldenTokenizers.Gpt2.Encode("a   b"); // "a", "Ġ", "Ġ", "Ġb"
        Assert.Equal(["a", "Ġ", "Ġ", "Ġb"], spaces.Tokens);
        Assert.Equal([new CharSpan(0, 1), new CharSpan(1, 2), new CharSpan(2, 3), new CharSpan(3, 5)], spaces.Offsets);
        var split = GoldenTokenizers.Gpt2.Encode(" Đor"); // "ĠÄ" + "Ĳ": both bytes of "Đ" map to all of "Đ"
        Assert.Equal(["ĠÄ", "Ĳ", "or"], split.Tokens);
        Assert.Equal([new CharSpan(0, 2), new CharSpan(1, 2), new CharSpan(2, 4)], split.Offsets);
    }

    [Fact]
    public void PostProcessorWithTrimOffsetsDropsTheSpaces()
    {
        // The same vocabulary with the post-processor's trim_offsets on (as RoBERTa-style files have):
        // HF's process_offsets drops the spaces "Ġ" stands for; an all-space token becomes empty at its end.
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(TestPaths.Golden("gpt2-tiny"), "tokenizer.json")))!;
        json["post_processor"]!["trim_offsets"] = true;
        string path = Path.Combine(TestPaths.NewTempDir("trim-offsets"), "tokenizer.json");
        File.WriteAllText(path, json.ToJsonString());
        var trimmed = TokenizerLoader.FromFile(path);
        const string text = "The capital city of France is";
        Assert.Equal(["The", "capital", "city", "of", "France", "is"], trimmed.Encode(text).Offsets.Select(o => text[o.Start..o.End]));
        Assert.Equal([new CharSpan(0, 1), new CharSpan(2, 2), new CharSpan(3, 3), new CharSpan(4, 5)], trimmed.Encode("a   b").Offsets);
        // and the pre-tokenizer's trim_offsets (true in GPT-2's file) alone changes nothing
        Assert.Equal(new CharSpan(3, 11), GoldenTokenizers.Gpt2.Encode(text).Offsets[1]);
    }

    [Fact]
    public void LlamaSpansIncludeTheSpaceThatBecameTheMetaspace()
    {
        var llama = GoldenTokenizers.Llama;
        const string text = "The capital city";
        var enc = llama.Encode(text);
        Assert.Equal(["<s>", "▁The", "▁capital", "▁city"], enc.Tokens);
        Assert.Equal([new CharSpan(0, 0), new CharSpan(0, 3), new CharSpan(3, 11), new CharSpan(11, 16)], enc.Offsets);

        foreach (var t in Texts().Where(t => !t.Contains("<|endoftext|>")))
        {
            var e = llama.Encode(t, addSpecialTokens: false);
            for (int i = 0; i < e.Count; i++)
            {
                var span = e.Offsets[i];
                string spanText = t[span.Start..span.End];
                string token = e.Tokens[i];
                if (token.StartsWith("<0x", StringComparison.Ordinal)) // byte fallback: the whole character
                {
                    byte b = Convert.ToByte(token[3..5], 16);
                    Assert.Contains(b, Encoding.UTF8.GetBytes(spanText));
                    continue;
                }
                string expected = token.Replace('▁', ' ');
                // The "▁" prepended to the text (in the first token) is not in the text: it shares the first
                // character's span, so a token that is only that "▁" spans the first character.
                if (i == 0) expected = expected.Length == 1 ? t[..FirstRuneLength(t)] : expected[1..];
                Assert.Equal(expected, spanText);
            }
        }
    }

    public static TheoryData<string> Models => new(GoldenTokenizers.ModelNames);

    [Theory]
    [MemberData(nameof(Models))]
    public void SubjectRuleFindsTheTokenWithTheSubjectsLastCharacter(string model)
    {
        var tokenizer = GoldenTokenizers.Get(model);
        var relations = RelationStrings.Relations();
        // Every non-ASCII subject, plus a few per relation, inside that relation's n-shot prompt.
        var cases = relations.SelectMany(r => r.Samples
                .Select((s, i) => (r, s, i))
                .Where(x => x.i < 3 || x.s.Subject.Any(c => c > 127)))
            .ToList();
        Assert.Contains(cases, c => c.s.Subject.Any(ch => ch > 127));
        foreach (var (r, sample, _) in cases)
        {
            var shots = r.Samples.Where(s => s.Subject != sample.Subject).Take(2).Select(s => r.Template.Replace("{}", s.Subject) + " " + s.Object);
            string prompt = string.Join("\n", shots.Append(r.Template.Replace("{}", sample.Subject)));
            int charEnd = prompt.LastIndexOf(sample.Subject, StringComparison.Ordinal) + sample.Subject.Length;
            var enc = tokenizer.Encode(prompt);
            int index = Array.FindIndex(enc.Offsets, o => o.Start <= charEnd && charEnd <= o.End);
            Assert.True(index >= 0, $"{model}: no token for \"{sample.Subject}\" in \"{prompt}\"");
            var span = enc.Offsets[index];
            // It holds the subject's last character (not the space or token after it).
            Assert.True(span.Start < charEnd && span.End >= charEnd, $"{model}: \"{sample.Subject}\" → token {index} \"{enc.Tokens[index]}\" {span}");
            // and, as the template continues with a non-letter, ends exactly there.
            if (!char.IsLetterOrDigit(prompt, Math.Min(charEnd, prompt.Length - 1)) || charEnd == prompt.Length)
                Assert.Equal(charEnd, span.End);
        }
    }

    private static bool TryDecodeStrict(byte[] bytes, out string text)
    {
        try
        {
            text = new UTF8Encoding(false, true).GetString(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            text = "";
            return false;
        }
    }

    private static int FirstRuneLength(string t) => char.IsHighSurrogate(t[0]) ? 2 : 1;

    private static bool Contains(byte[] haystack, byte[] needle) =>
        haystack.AsSpan().IndexOf(needle) >= 0;
}
