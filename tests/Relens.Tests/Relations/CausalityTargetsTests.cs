using Relens.Relations;

namespace Relens.Tests.Relations;

public class CausalityTargetsTests
{
    [Fact]
    public void EveryTargetHasAnotherSubjectAndAnotherObject()
    {
        var samples = SharedRelations.Get("object superclass").Samples.Take(40).ToList();
        var pairs = CausalityTargets.Pair(samples, seed: 5);
        Assert.NotEmpty(pairs);
        foreach (var (source, target) in pairs)
        {
            Assert.NotEqual(source.Subject, target.Subject);
            Assert.NotEqual(source.Object, target.Object);
            Assert.Contains(target, samples);
        }
        Assert.Equal(samples.Where(s => pairs.Any(p => p.Source == s)), pairs.Select(p => p.Source));
    }

    [Fact]
    public void DeterministicPerSeedAndRandomAcrossSeeds()
    {
        var samples = SharedRelations.Get("country capital city").Samples;
        Assert.Equal(CausalityTargets.Pair(samples, seed: 1), CausalityTargets.Pair(samples, seed: 1));
        var firstTargets = Enumerable.Range(0, 20).Select(s => CausalityTargets.Pair(samples, s)[0].Target).Distinct().Count();
        Assert.True(firstTargets > 3, $"only {firstTargets} distinct targets over 20 seeds");
    }

    [Fact]
    public void SampleWithoutAPartnerIsSkipped()
    {
        // ("a","y") has no sample with another subject and another object.
        RelationSample[] samples = [new("a", "x"), new("b", "y"), new("a", "y")];
        var pairs = CausalityTargets.Pair(samples, seed: 0);
        Assert.Equal([new EditPair(samples[0], samples[1]), new EditPair(samples[1], samples[0])], pairs);

        RelationSample[] lonely = [new("a", "x"), new("b", "x"), new("c", "x")];
        Assert.Empty(CausalityTargets.Pair(lonely, seed: 0));

        RelationSample[] one = [new("a", "x"), new("b", "x"), new("c", "y")];
        var p = CausalityTargets.Pair(one, seed: 0);
        Assert.Equal(3, p.Count);
        Assert.Equal(new RelationSample("c", "y"), p[0].Target);
        Assert.Equal(new RelationSample("c", "y"), p[1].Target);
    }

    [Fact]
    public void RepeatedSampleSharesOneTargetAsInThePapersDictionary()
    {
        RelationSample[] samples = [new("a", "x"), new("a", "x"), new("b", "y"), new("c", "y"), new("d", "y")];
        for (int seed = 0; seed < 10; seed++)
        {
            var pairs = CausalityTargets.Pair(samples, seed);
            Assert.Equal(samples.Length, pairs.Count);
            Assert.Equal(pairs[0].Target, pairs[1].Target);
        }
    }

    [Fact]
    public void DistractorsDifferFromTheTrueObject()
    {
        string[] objects = ["Paris", "Rome", "Paris", "Lima"];
        var wrong = DistractorTargets.Pick(objects, new SeededRng(3));
        Assert.Equal(objects.Length, wrong.Count);
        for (int i = 0; i < objects.Length; i++)
        {
            Assert.NotEqual(objects[i], wrong[i]);
            Assert.Contains(wrong[i], objects);
        }
        Assert.Throws<RelensException>(() => DistractorTargets.Pick(["x", "x"], new SeededRng(0)));
    }

    [Fact]
    public void RngStreamsAreReproducibleAndIndependent()
    {
        static ulong[] Draws(SeededRng r) => Enumerable.Range(0, 4).Select(_ => r.NextUInt64()).ToArray();
        Assert.Equal(Draws(new SeededRng(9)), Draws(new SeededRng(9)));
        Assert.NotEqual(Draws(new SeededRng(9)), Draws(new SeededRng(10)));
        Assert.Equal(Draws(SeededRng.ForStream(9, 2)), Draws(SeededRng.ForStream(9, 2)));
        Assert.NotEqual(Draws(SeededRng.ForStream(9, 2)), Draws(SeededRng.ForStream(9, 3)));
    }

    [Fact]
    public void RngDrawsAreUniformEnough()
    {
        var rng = new SeededRng(42);
        var counts = new int[6];
        for (int i = 0; i < 60_000; i++) counts[rng.NextInt(6)]++;
        Assert.All(counts, c => Assert.InRange(c, 9_400, 10_600));
    }
}
