using System.Text.RegularExpressions;
using Relens.Tokenization;

namespace Relens.Tests.Tokenization;

/// <summary>The hand-written GPT-2 pre-tokenizer against the regex it implements.</summary>
public class Gpt2PreTokenSplitterTests
{
    private static readonly Regex Gpt2Pattern =
        new(@"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+", RegexOptions.CultureInvariant);

    [Fact]
    public void SameSplitsAsTheRegexOnTextWithoutSurrogates()
    {
        var texts = RelationStrings.EdgeCases
            .Concat(RelationStrings.Relations().Select(r => RelationStrings.IclPrompt(r, shots: 3)))
            .Concat(["a\n\n b", "x \t\n y", "end   ", "'s's 'S", "?!'ll", "  \u00a0 z"])
            .Where(t => !t.Any(char.IsSurrogate));
        foreach (var text in texts)
        {
            var expected = Gpt2Pattern.Matches(text).Select(m => (m.Index, m.Length));
            Assert.Equal(expected, Gpt2PreTokenSplitter.Split(text));
        }
    }

    [Fact]
    public void LettersOutsideTheBmpAreLetters()
    {
        // .NET Regex would see two surrogates (not \p{L}) and cut "a𝐀b" in three; HF's Oniguruma does not.
        Assert.Equal([(0, 4), (4, 3), (7, 1)], Gpt2PreTokenSplitter.Split("a𝐀b 𝐀1"));
        Assert.Equal([(0, 3), (3, 2)], Gpt2PreTokenSplitter.Split(" 𝐀🙂")); // emoji are symbols, as there
    }
}
