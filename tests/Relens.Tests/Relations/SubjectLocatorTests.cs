using Relens.Relations;
using Relens.Tests.Tokenization;
using Relens.Tokenization;

namespace Relens.Tests.Relations;

[Trait(TestCategories.Name, TestCategories.Golden)]
public class SubjectLocatorTests
{
    [Fact]
    public void PicksTheLastTokenOfTheLastOccurrence()
    {
        var tok = new FakeTokenizer();
        // "Washington" appears in an example and as the query; chunks: " Wash" "ingt" "on".
        string prompt = "<|endoftext|>The capital of Washington is Olympia\nThe capital of Washington is";
        var (enc, i) = SubjectLocator.Locate(tok, prompt, "Washington");
        Assert.Equal("on", enc.Tokens[i]);
        Assert.Equal(prompt.LastIndexOf("Washington") + "Washington".Length, enc.Offsets[i].End);
        Assert.Equal(" is", enc.Tokens[i + 1]);
        Assert.Equal(enc.Count - 2, i);
    }

    [Fact]
    public void SubjectEndingInsideATokenPicksThatToken()
    {
        var tok = new FakeTokenizer();
        string prompt = "Indiana is"; // " Indi" "ana": subject "Ind" ends inside "Indi"
        var enc = tok.Encode(prompt);
        Assert.Equal(0, SubjectLocator.LastTokenIndex(prompt, enc, "Ind"));
        Assert.Equal(1, SubjectLocator.LastTokenIndex(prompt, enc, "Indiana"));
    }

    [Fact]
    public void SubjectAtTheEndOfThePrompt()
    {
        var tok = new FakeTokenizer();
        string prompt = "The capital of {} is Peru";
        var enc = tok.Encode(prompt);
        Assert.Equal(enc.Count - 1, SubjectLocator.LastTokenIndex(prompt, enc, "Peru"));
    }

    [Fact]
    public void SpecialTokenWithEmptySpanIsNeverTheSubject()
    {
        var tok = new FakeTokenizer(bos: "<s>");
        string prompt = "Peru is";
        var (enc, i) = SubjectLocator.Locate(tok, prompt, "Peru");
        Assert.Equal(new CharSpan(0, 0), enc.Offsets[0]);
        Assert.Equal(1, i);

        // An empty span sitting at the subject's end (out of order) is skipped, not chosen.
        var odd = new TokenizedText([0, 1, 2], [new(0, 0), new(4, 4), new(0, 4)], ["<s>", "<x>", "Peru"]);
        Assert.Equal(2, SubjectLocator.LastTokenIndex("Peru", odd, "Peru"));
    }

    [Fact]
    public void TrailingSpaceSubjectEndsAtTheSpaceTokenAsInThePaper()
    {
        // presidents_birth_year.json holds "Jimmy Carter " (trailing space); the paper's find_token_range on HF's
        // offsets (…, "ĠCarter" (18,25), "Ġ" (25,26), "Ġwas" (26,30)) takes index 3, the lone "Ġ".
        const string prompt = "<|endoftext|>Jimmy Carter  was born in";
        var (enc, i) = SubjectLocator.Locate(GoldenTokenizers.Gpt2, prompt, "Jimmy Carter ");
        Assert.Equal(3, i);
        Assert.Equal("Ġ", enc.Tokens[i]);

        // LLaMA: the token holding the trailing space (character 12) is the subject's last, whatever it merges with
        const string llamaPrompt = "Jimmy Carter  was born in";
        var (lenc, li) = SubjectLocator.Locate(GoldenTokenizers.Llama, llamaPrompt, "Jimmy Carter ");
        Assert.Equal("▁Carter", lenc.Tokens[li - 1]);
        Assert.Equal(new CharSpan(5, 12), lenc.Offsets[li - 1]);
        Assert.True(lenc.Offsets[li].Start == 12 && lenc.Offsets[li].End >= 13, $"{lenc.Tokens[li]} {lenc.Offsets[li]}");
    }

    [Fact]
    public void AbsentSubjectIsAnErrorQuotingSubjectAndPrompt()
    {
        var tok = new FakeTokenizer();
        string prompt = "The capital of France is";
        var e = Assert.Throws<RelensException>(() => SubjectLocator.LastTokenIndex(prompt, tok.Encode(prompt), "Peru"));
        Assert.Equal("subject 'Peru' does not occur in prompt 'The capital of France is'", e.Message);
    }

    [Fact]
    public void OffsetsThatDoNotCoverTheSubjectAreAnError()
    {
        var enc = new TokenizedText([0], [new(0, 2)], ["ab"]);
        Assert.Throws<RelensException>(() => SubjectLocator.LastTokenIndex("ab cd", enc, "cd"));
    }
}
