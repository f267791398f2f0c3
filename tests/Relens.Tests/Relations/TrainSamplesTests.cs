using Relens.Relations;
using Relens.Runs;

namespace Relens.Tests.Relations;

/// <summary>Training sets given by the user (issue 18, part 4): subjects must name one object; exact pairs name the sample.</summary>
public class TrainSamplesTests
{
    private static Relation Superclass => SharedRelations.Get("object superclass");

    [Fact]
    public void ASubjectWithSeveralObjectsIsRefusedListingThem()
    {
        var e = Assert.Throws<RelensException>(() => Superclass.WithTrainSubjects(["eagle", "apple", "carrot"]));
        Assert.Contains("'apple' ('plant', 'fruit')", e.Message);
        Assert.Contains("'carrot' ('plant', 'vegetable')", e.Message);
        Assert.DoesNotContain("'eagle'", e.Message);   // eagle → bird twice is one object
        Assert.Contains("--train-samples", e.Message);
        // a subject whose samples repeat one pair is fine and gives its first copy
        var (train, _) = Superclass.WithTrainSubjects(["eagle", "salmon"]);
        Assert.Equal([new RelationSample("eagle", "bird"), new RelationSample("salmon", "fish")], train.Samples);
    }

    [Fact]
    public void ExactPairsGiveThoseSamplesInOrderAndLeaveTheSubjectsOtherObjectsInTheTestSet()
    {
        var pairs = new[] { new TrainingPair("apple", "fruit", "a"), new TrainingPair("carrot", "plant", "b"), new TrainingPair("eagle", "bird", "c") };
        var (train, test) = Superclass.WithTrainSamples(pairs);
        Assert.Equal(pairs.Select(p => new RelationSample(p.Subject, p.Object)), train.Samples);
        Assert.Contains(new RelationSample("apple", "plant"), test.Samples);
        Assert.DoesNotContain(new RelationSample("apple", "fruit"), test.Samples);
        Assert.Equal(Superclass.Samples.Count - 3, test.Samples.Count);   // eagle's second copy stays in the test set, as a split by position does
    }

    [Fact]
    public void APairNotInTheRelationIsRefusedNamingWhereItWasGiven()
    {
        var e = Assert.Throws<RelensException>(() => Superclass.WithTrainSamples([new("eagle", "bird", "p.tsv line 1"), new("apple", "tree", "p.tsv line 2")]));
        Assert.StartsWith("p.tsv line 2: ", e.Message);
        Assert.Contains("'apple' → 'tree' is not a sample of relation 'object superclass'", e.Message);
        Assert.Contains("its objects for 'apple' are 'plant', 'fruit'", e.Message);

        e = Assert.Throws<RelensException>(() => Superclass.WithTrainSamples([new("aple", "fruit", "p.tsv line 4")]));
        Assert.Contains("p.tsv line 4", e.Message);
        Assert.Contains("did you mean 'apple'", e.Message);

        e = Assert.Throws<RelensException>(() => Superclass.WithTrainSamples([new("apple", "fruit", "line 1"), new("apple", "fruit", "line 7")]));
        Assert.Contains("line 7", e.Message);
        Assert.Contains("more than once (also at line 1)", e.Message);
        Assert.Throws<RelensException>(() => Superclass.WithTrainSamples([]));
    }

    [Fact]
    public void TheFileIsTsvOrJsonAndEachPairKnowsItsLine()
    {
        var dir = TestPaths.NewTempDir("train-samples");
        string tsv = Path.Combine(dir, "pairs.tsv");
        File.WriteAllText(tsv, "apple\tfruit\n\ncarrot\tplant\r\n");
        Assert.Equal([new TrainingPair("apple", "fruit", $"{tsv} line 1"), new TrainingPair("carrot", "plant", $"{tsv} line 3")], TrainingSamples.Read(tsv));

        string json = Path.Combine(dir, "pairs.json");
        File.WriteAllText(json, "[\n  {\"subject\": \"apple\", \"object\": \"fruit\"},\n\n  {\"object\": \"plant\", \"subject\": \"carrot\"}\n]\n");
        Assert.Equal([new TrainingPair("apple", "fruit", $"{json} line 2"), new TrainingPair("carrot", "plant", $"{json} line 4")], TrainingSamples.Read(json));

        File.WriteAllText(tsv, "apple\tfruit\ncarrot plant\n");
        var e = Assert.Throws<RelensException>(() => TrainingSamples.Read(tsv));
        Assert.Contains($"{tsv} line 2: expected subject<TAB>object", e.Message);
        File.WriteAllText(json, "[{\"subject\": \"apple\"}]");
        e = Assert.Throws<RelensException>(() => TrainingSamples.Read(json));
        Assert.Contains($"{json} line 1: the pair needs a non-empty string \"object\"", e.Message);
        File.WriteAllText(json, "[{\"subject\": \"apple\",\n \"object\": }]");
        e = Assert.Throws<RelensException>(() => TrainingSamples.Read(json));
        Assert.Contains($"{json} line 2: not valid JSON", e.Message);
        File.WriteAllText(tsv, "\n\n");
        Assert.Contains("holds no training samples", Assert.Throws<RelensException>(() => TrainingSamples.Read(tsv)).Message);
        Assert.Contains("not found", Assert.Throws<RelensException>(() => TrainingSamples.Read(Path.Combine(dir, "none.tsv"))).Message);
    }
}
