using System.Text.RegularExpressions;
using Relens.Tokenization;

namespace Relens.Tests.Tokenization;

/// <summary>Split and Metaspace pre-tokenizers (not used by the golden models) against the examples in
/// HF tokenizers' own documentation and unit tests.</summary>
public class PreTokenizerTests
{
    private static List<AlignedText> Run(IPreTokenizer pre, params AlignedText[] pieces)
    {
        var output = new List<AlignedText>();
        foreach (var p in pieces) pre.Split(p, output);
        return output;
    }

    private static AlignedText Original(string text) => AlignedText.FromOriginal(text, 0, text.Length);

    [Theory]
    [InlineData("Removed", "the|final|countdown")]
    [InlineData("Isolated", "the|-|final|-|-|countdown")]
    [InlineData("MergedWithPrevious", "the-|final-|-|countdown")]
    [InlineData("MergedWithNext", "the|-final|-|-countdown")]
    [InlineData("Contiguous", "the|-|final|--|countdown")]
    public void SplitBehavioursAsDocumentedByHf(string behavior, string expected)
    {
        var split = new SplitPreTokenizer(new Regex("-"), Enum.Parse<SplitBehavior>(behavior), invert: false);
        Assert.Equal(expected.Split('|'), Run(split, Original("the-final--countdown")).Select(p => p.Text));
    }

    [Fact]
    public void MetaspaceAlwaysSplitsBeforeEachSpaceWithOriginalOffsets()
    {
        var meta = new MetaspacePreTokenizer('▁', PrependScheme.Always, split: true);
        var pieces = Run(meta, Original("Hey   friend!"));
        Assert.Equal(["▁Hey", "▁", "▁", "▁friend!"], pieces.Select(p => p.Text));
        Assert.Equal([new CharSpan(0, 3), new CharSpan(3, 4), new CharSpan(4, 5), new CharSpan(5, 13)],
            pieces.Select(p => p.SpanOf(0, p.Length)));
    }

    [Fact]
    public void MetaspaceFirstPrependsOnlyAtTheStartOfTheText()
    {
        // As HF's non_legacy_meta_space test: the text was split on "<s>" before the pre-tokenizer ran.
        const string text = "Hey my friend <s>how▁are you";
        int s = text.IndexOf("<s>", StringComparison.Ordinal);
        var first = new MetaspacePreTokenizer('▁', PrependScheme.First, split: false);
        var pieces = Run(first, AlignedText.FromOriginal(text, 0, s), AlignedText.FromOriginal(text, s + 3, text.Length));
        Assert.Equal(["▁Hey▁my▁friend▁", "how▁are▁you"], pieces.Select(p => p.Text));

        const string prefixed = " Hey <s>how";
        int p = prefixed.IndexOf("<s>", StringComparison.Ordinal);
        pieces = Run(first, AlignedText.FromOriginal(prefixed, 0, p), AlignedText.FromOriginal(prefixed, p + 3, prefixed.Length));
        Assert.Equal(["▁Hey▁", "how"], pieces.Select(x => x.Text));
    }

    [Fact]
    public void MetaspaceDecoderDropsTheFirstPrefix()
    {
        Assert.Equal(["Hey", " friend!"], new MetaspaceDecoder('▁', PrependScheme.Always).DecodeChain(["▁Hey", "▁friend!"]));
        Assert.Equal([" Hey", " friend!"], new MetaspaceDecoder('▁', PrependScheme.Never).DecodeChain(["▁Hey", "▁friend!"]));
    }
}
