using Relens.Relations;

namespace Relens.Tests.Relations;

public class MetricsTests
{
    [Theory]
    [InlineData(" Paris", "Paris", true)]
    [InlineData("Par", "Paris", true)]
    [InlineData(" PAR", "paris", true)]
    [InlineData("Paris", " Paris ", true)]
    [InlineData(" Washington", "Washington D.C.", true)]
    [InlineData("Parisian", "Paris", false)]
    [InlineData(" Lyon", "Paris", false)]
    [InlineData("\n", "Paris", false)]
    [InlineData(" ", "Paris", false)]
    [InlineData("", "Paris", false)]
    [InlineData("\u001f", "Paris", false)] // Python strips U+001F, .NET's Trim does not
    public void NontrivialPrefix(string predicted, string target, bool expected) =>
        Assert.Equal(expected, PrefixMatch.IsNontrivialPrefix(predicted, target));

    [Fact]
    public void AnyIsNontrivialPrefix()
    {
        Assert.True(PrefixMatch.AnyIsNontrivialPrefix(["\n", " Lyon", " Pa"], "Paris"));
        Assert.False(PrefixMatch.AnyIsNontrivialPrefix(["\n", " Lyon"], "Paris"));
        Assert.False(PrefixMatch.AnyIsNontrivialPrefix([], "Paris"));
    }

    [Fact]
    public void RecallAtKCountsTheFirstHitAtEveryLargerK()
    {
        string[][] predictions =
        [
            [" Paris", " Lyon", " Nice"],   // hit at 1
            [" Rome", " Berlin", " Tok"],   // hit at 3
            [" Rome", " Rome", " Rome"],    // miss
            [" Lim", " Lima", " x"],        // hit at 1 (counted once)
        ];
        string[] targets = ["Paris", "Tokyo", "Madrid", "Lima"];
        Assert.Equal([0.5, 0.5, 0.75], PrefixMatch.RecallAtK(predictions, targets));
        Assert.Empty(PrefixMatch.RecallAtK([], []));
        Assert.Throws<ArgumentException>(() => PrefixMatch.RecallAtK(predictions, ["x"]));
    }

    [Fact]
    public void ChanceIsTheSumOfSquaredFirstTokenFrequencies()
    {
        // First "token" = first word, so the two New ... cities collide as the paper's first tokens would.
        static string First(string o) => o.Split(' ')[0];
        string[] objects = ["New York", "New Delhi", "Paris", "Lima"];
        Assert.Equal((2.0 * 2 + 1 + 1) / 16, ObjectBaselines.Chance(objects, First), 12);
        Assert.Equal(2.0 / 4, ObjectBaselines.Majority(objects, First), 12);

        string[] distinct = ["a", "b", "c", "d", "e"];
        Assert.Equal(1.0 / distinct.Length, ObjectBaselines.Chance(distinct, o => o), 12);
    }

    [Fact]
    public void ChanceOnARealRelationWithTheFakeTokenizer()
    {
        var relation = SharedRelations.Get("name gender");
        var tok = new FakeTokenizer();
        var objects = relation.Samples.Select(s => s.Object).ToList();
        var first = ObjectBaselines.FirstTokenId(tok);
        double expected = objects.GroupBy(first).Sum(g => Math.Pow((double)g.Count() / objects.Count, 2));
        Assert.Equal(expected, ObjectBaselines.Chance(objects, first), 12);
        Assert.InRange(ObjectBaselines.Chance(objects, first), 0.5, 1.0); // two genders: at least 1/2
    }

    [Fact]
    public void FirstTokenIdIgnoresBos()
    {
        var tok = new FakeTokenizer(bos: "<s>");
        int id = ObjectBaselines.FirstTokenId(tok)("Washington");
        Assert.Equal("Wash", tok.Decode(id));
    }
}
