using Relens.Relations;

namespace Relens.Tests.Relations;

public class RelationSplitTests
{
    public static TheoryData<string, int> Cases => new()
    {
        { "country capital city", 8 },   // 1:1: every sample its own object
        { "plays pro sport", 3 },        // fewer training samples than objects
        { "plays pro sport", 8 },        // more training samples than objects (5 sports)
        { "product by company", 8 },     // repeats some (subject, object) pairs
        { "name gender", 5 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void SplitIsAPartitionCoveringAsManyObjectsAsPossible(string name, int n)
    {
        var relation = SharedRelations.Get(name);
        foreach (long seed in new long[] { 0, 1, 12345 })
        {
            var (train, test) = relation.Split(n, seed);
            Assert.Equal(n, train.Samples.Count);
            int objects = relation.Samples.Select(s => s.Object).Distinct().Count();
            Assert.Equal(Math.Min(n, objects), train.Samples.Select(s => s.Object).Distinct().Count());

            // Disjoint with union = all, counted as multisets because a file may repeat a pair.
            var all = Counts(relation.Samples);
            var union = Counts(train.Samples.Concat(test.Samples));
            Assert.Equal(all.OrderBy(kv => kv.Key.ToString()), union.OrderBy(kv => kv.Key.ToString()));
            if (all.Values.All(c => c == 1)) Assert.Empty(train.Samples.Intersect(test.Samples));
        }
    }

    [Fact]
    public void TrainingObjectsAreDealtInTurns()
    {
        // With 5 sports each played by many people, 8 training samples give counts 2,2,2,1,1.
        var relation = SharedRelations.Get("plays pro sport");
        var counts = relation.Split(8, seed: 3).Train.Samples.GroupBy(s => s.Object).Select(g => g.Count()).ToList();
        Assert.True(counts.Max() - counts.Min() <= 1, string.Join(",", counts));
    }

    [Fact]
    public void SplitIsDeterministicPerSeedAndVariesAcrossSeeds()
    {
        var relation = SharedRelations.Get("country capital city");
        var a = relation.Split(8, seed: 7);
        var b = relation.Split(8, seed: 7);
        Assert.Equal(a.Train.Samples, b.Train.Samples);
        Assert.Equal(a.Test.Samples, b.Test.Samples);

        var trains = Enumerable.Range(0, 5).Select(s => string.Join("|", relation.Split(8, s).Train.Samples)).ToHashSet();
        Assert.True(trains.Count > 1, "different seeds gave the same split");
    }

    [Fact]
    public void OneGeneratorGivesDifferentSplitsPerTrial()
    {
        var relation = SharedRelations.Get("country capital city");
        var rng = new SeededRng(0);
        var first = relation.Split(8, rng).Train.Samples;
        var second = relation.Split(8, rng).Train.Samples;
        Assert.NotEqual(first, second);
    }

    [Fact]
    public void SplitHalvesKeepTheFullRelationsMetadata()
    {
        var relation = SharedRelations.Get("object superclass");
        var (train, test) = relation.Split(3, seed: 1);
        foreach (var half in new[] { train, test })
        {
            Assert.Equal(relation.FnType, half.FnType);
            Assert.Equal(relation.Range, half.Range);
            Assert.Equal(relation.Domain, half.Domain);
            Assert.Equal(relation.Disambiguating, half.Disambiguating);
            Assert.Equal(relation.PromptTemplates, half.PromptTemplates);
        }
    }

    [Fact]
    public void SplitLargerThanTheRelationIsAnError()
    {
        var relation = SharedRelations.Get("country capital city");
        var e = Assert.Throws<RelensException>(() => relation.Split(relation.Samples.Count + 1, seed: 0));
        Assert.Contains("country capital city", e.Message);
    }

    [Fact]
    public void TrainSubjectsGiveExactlyThoseSamplesInThatOrder()
    {
        var relation = SharedRelations.Get("country capital city");
        string[] subjects = ["Peru", "China", "India"];
        var (train, test) = relation.WithTrainSubjects(subjects);
        Assert.Equal(subjects, train.Samples.Select(s => s.Subject));
        Assert.All(train.Samples, s => Assert.Contains(s, relation.Samples));
        Assert.Equal(relation.Samples.Where(s => !subjects.Contains(s.Subject)), test.Samples);
    }

    [Fact]
    public void UnknownOrRepeatedTrainSubjectsAreErrors()
    {
        var relation = SharedRelations.Get("country capital city");
        var e = Assert.Throws<RelensException>(() => relation.WithTrainSubjects(["Peru", "Atlantis", "Frence"]));
        Assert.Contains("'Atlantis'", e.Message);
        Assert.Contains("'Frence'", e.Message);
        Assert.Contains("'France'", e.Message); // suggested
        Assert.DoesNotContain("'Peru'", e.Message);

        e = Assert.Throws<RelensException>(() => relation.WithTrainSubjects(["Peru", "Peru"]));
        Assert.Contains("'Peru'", e.Message);
        Assert.Throws<RelensException>(() => relation.WithTrainSubjects([]));
    }

    private static Dictionary<RelationSample, int> Counts(IEnumerable<RelationSample> samples) =>
        samples.GroupBy(s => s).ToDictionary(g => g.Key, g => g.Count());
}
