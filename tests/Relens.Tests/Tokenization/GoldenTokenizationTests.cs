using Relens.Tokenization;

namespace Relens.Tests.Tokenization;

/// <summary>Ids and token strings equal HF's fast tokenizer (default settings) on every golden prompt.</summary>
[Trait(TestCategories.Name, TestCategories.Golden)]
public class GoldenTokenizationTests
{
    public static TheoryData<string> Models => new(GoldenTokenizers.ModelNames);

    [Theory]
    [MemberData(nameof(Models))]
    public void IdsAndTokensEqualHuggingFace(string model)
    {
        var tokenizer = GoldenTokenizers.Get(model);
        var prompts = GoldenTokenizers.Prompts(model);
        Assert.NotEmpty(prompts);
        foreach (var g in prompts)
        {
            var encoded = tokenizer.Encode(g.Prompt);
            Assert.Equal(g.InputIds, encoded.Ids);
            Assert.Equal(g.Tokens, encoded.Tokens);
            Assert.Equal(encoded.Ids.Length, encoded.Offsets.Length);
        }
    }

    [Fact]
    public void SpecialTokensMatchTheModelFolders()
    {
        var gpt2 = GoldenTokenizers.Gpt2;
        Assert.Equal("<|endoftext|>", gpt2.EosToken);
        Assert.Equal("<|endoftext|>", gpt2.BosToken);
        Assert.Equal(gpt2.TokenToId("<|endoftext|>"), gpt2.EosTokenId);
        Assert.Equal(50257, gpt2.VocabSize);

        var llama = GoldenTokenizers.Llama;
        Assert.Equal("<s>", llama.BosToken);
        Assert.Equal("</s>", llama.EosToken);
        Assert.Equal(llama.TokenToId("<s>"), llama.BosTokenId);
        Assert.Equal(llama.TokenToId("</s>"), llama.EosTokenId);
        Assert.Equal(32000, llama.VocabSize);
    }

    [Fact]
    public void SpecialTokensAreInferredFromTheFileAlone()
    {
        var gpt2 = TokenizerLoader.FromFile(Path.Combine(TestPaths.Golden("gpt2-tiny"), "tokenizer.json"));
        Assert.Equal("<|endoftext|>", gpt2.EosToken);
        var llama = TokenizerLoader.FromFile(Path.Combine(TestPaths.Golden("llama-tiny"), "tokenizer.json"));
        Assert.Equal("<s>", llama.BosToken); // from the TemplateProcessing post-processor
        Assert.Equal("</s>", llama.EosToken);
    }

    [Fact]
    public void AddedTokenWrittenInAPromptIsOneToken()
    {
        var gpt2 = GoldenTokenizers.Gpt2;
        int eos = gpt2.EosTokenId!.Value;
        var encoded = gpt2.Encode("<|endoftext|>The capital city of France is");
        Assert.Equal(eos, encoded.Ids[0]);
        Assert.Equal("<|endoftext|>", encoded.Tokens[0]);
        Assert.Equal(new CharSpan(0, "<|endoftext|>".Length), encoded.Offsets[0]);
        // The rest is tokenized as if the added token were not there ("The", not "ĠThe").
        Assert.Equal(gpt2.Encode("The capital city of France is").Ids, encoded.Ids[1..]);
        Assert.Equal("<|endoftext|>a<|endoftext|>", gpt2.Decode(gpt2.Encode("<|endoftext|>a<|endoftext|>").Ids));
    }

    [Fact]
    public void LlamaAddsBosOnlyWithSpecialTokens()
    {
        var llama = GoldenTokenizers.Llama;
        var with = llama.Encode("Hello world");
        var without = llama.Encode("Hello world", addSpecialTokens: false);
        Assert.Equal(llama.BosTokenId, with.Ids[0]);
        Assert.Equal(new CharSpan(0, 0), with.Offsets[0]);
        Assert.Equal(with.Ids[1..], without.Ids);
        Assert.Equal(GoldenTokenizers.Gpt2.Encode("Hello world").Ids, GoldenTokenizers.Gpt2.Encode("Hello world", false).Ids);
        Assert.Equal([llama.BosTokenId!.Value], llama.Encode("").Ids);
    }

    [Fact]
    public void DecodeFollowsTheFilesDecoders()
    {
        var gpt2 = GoldenTokenizers.Gpt2;
        Assert.Equal(" capital", gpt2.Decode(gpt2.TokenToId("Ġcapital")!.Value));
        var llama = GoldenTokenizers.Llama;
        // LLaMA's decoder: "▁" → " ", then Strip removes one leading space.
        Assert.Equal("capital", llama.Decode(llama.TokenToId("▁capital")!.Value));
        Assert.Equal("<s> The capital", llama.Decode(llama.Encode("The capital").Ids));
        Assert.Equal("Hello world", llama.Decode(llama.Encode("Hello world", false).Ids));
        // Byte fallback: "€" has no piece of its own in this vocabulary iff it is split into <0x..> tokens.
        var euro = llama.Encode("日本語 ✓ €𝔘", false);
        Assert.Equal("日本語 ✓ €𝔘", llama.Decode(euro.Ids));
        Assert.Contains(euro.Tokens, t => t.StartsWith("<0x", StringComparison.Ordinal));
    }
}
