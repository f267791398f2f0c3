using System.Text.RegularExpressions;
using Relens.Relations;

namespace Relens.Tests.Relations;

public class RelationDatasetTests
{
    /// <summary>(category, relations, facts) rows of the README's table, so the test checks the data
    /// against what the data's own documentation says rather than against numbers copied here.</summary>
    private static List<(string Category, int Relations, int Facts)> ReadmeTable()
    {
        string readme = File.ReadAllText(Path.Combine(TestPaths.Relations, "README.md"));
        return Regex.Matches(readme, @"^\|\s*(\w+)\s*\|\s*([\d,]+)\s*\|\s*([\d,]+)\s*\|\s*$", RegexOptions.Multiline)
            .Select(m => (m.Groups[1].Value, int.Parse(m.Groups[2].Value.Replace(",", "")), int.Parse(m.Groups[3].Value.Replace(",", ""))))
            .ToList();
    }

    [Fact]
    public void LoadsAllRelationsWithTheReadmeCounts()
    {
        var data = SharedRelations.Dataset;
        var table = ReadmeTable();
        Assert.Equal(4, table.Count);

        Assert.Equal(47, data.Count);
        Assert.Equal(11_089, data.Sum(r => r.Samples.Count));
        Assert.Equal(table.Sum(t => t.Relations), data.Count);
        foreach (var (category, relations, facts) in table)
        {
            var inCategory = data.Where(r => r.Category == category).ToList();
            Assert.Equal(relations, inCategory.Count);
            Assert.Equal(facts, inCategory.Sum(r => r.Samples.Count));
        }
        Assert.DoesNotContain(data, r => r.Category == RelationDataset.HparamsFolder);
    }

    [Fact]
    public void RelationsAreInThePapersSortedFileOrder()
    {
        var files = SharedRelations.Dataset.Select(r => Path.GetRelativePath(TestPaths.Relations, r.SourceFile!)).ToList();
        Assert.Equal(files.Order(StringComparer.Ordinal), files);
    }

    [Fact]
    public void FieldsAreReadFromTheFile()
    {
        var r = SharedRelations.Get("country capital city");
        Assert.Equal("factual", r.Category);
        Assert.Equal("The capital city of {} is", r.PromptTemplate);
        Assert.NotEmpty(r.ZeroShotTemplates);
        Assert.Equal(new RelationProperties("factual", "country", "city", false), r.Properties);
        Assert.Contains(new RelationSample("France", "Paris"), r.Samples);
        Assert.True(SharedRelations.Get("adjective antonym").Properties.Symmetric);
    }

    [Fact]
    public void FnTypeFollowsTheSamples()
    {
        // Every country has one capital and no two share one.
        Assert.Equal(RelationFnType.OneToOne, SharedRelations.Get("country capital city").FnType);
        // Every word has one first letter; many words share a letter.
        Assert.Equal(RelationFnType.ManyToOne, SharedRelations.Get("word first letter").FnType);
        // Many people play each of a handful of sports.
        Assert.Equal(RelationFnType.ManyToOne, SharedRelations.Get("plays pro sport").FnType);
        // Some objects belong to several superclasses, and each superclass has many objects.
        Assert.Equal(RelationFnType.ManyToMany, SharedRelations.Get("object superclass").FnType);
    }

    [Fact]
    public void FnTypeDistinguishesAllFourShapes()
    {
        static RelationFnType Of(params (string S, string O)[] pairs) =>
            RelationFnTypes.Of(pairs.Select(p => new RelationSample(p.S, p.O)));
        Assert.Equal(RelationFnType.OneToOne, Of(("a", "1"), ("b", "2"), ("a", "1")));
        Assert.Equal(RelationFnType.OneToMany, Of(("a", "1"), ("a", "2")));
        Assert.Equal(RelationFnType.ManyToOne, Of(("a", "1"), ("b", "1")));
        Assert.Equal(RelationFnType.ManyToMany, Of(("a", "1"), ("a", "2"), ("b", "1")));
        Assert.Equal("N:1", RelationFnType.ManyToOne.ToShortString());
    }

    [Fact]
    public void DisambiguatingMeansAnotherRelationSharesDomainAndRange()
    {
        var data = SharedRelations.Dataset;
        foreach (var r in data)
        {
            bool shared = data.Any(o => o != r
                && o.Properties.DomainName == r.Properties.DomainName && o.Properties.RangeName == r.Properties.RangeName);
            Assert.Equal(shared, r.Disambiguating);
        }
        // (country, city) is shared by the capital and the largest city.
        Assert.True(SharedRelations.Get("country capital city").Disambiguating);
        Assert.True(SharedRelations.Get("country largest city").Disambiguating);
    }

    [Theory]
    [InlineData("country capital city")]
    [InlineData("country_capital_city")]
    [InlineData("Country-Capital-City")]
    public void FindAcceptsNameOrFileStem(string query) =>
        Assert.Equal("country capital city", SharedRelations.Dataset.Find(query).Name);

    [Fact]
    public void FindAcceptsAStemThatDiffersFromTheName()
    {
        // person_band_lead_singer.json holds "person lead singer of band".
        Assert.Equal("person lead singer of band", SharedRelations.Dataset.Find("person_band_lead_singer").Name);
    }

    [Fact]
    public void FindSuggestsCloseMatches()
    {
        var e = Assert.Throws<RelensException>(() => SharedRelations.Dataset.Find("country capitol city"));
        Assert.Contains("'country capitol city'", e.Message);
        Assert.Contains("'country capital city'", e.Message);
    }
}
