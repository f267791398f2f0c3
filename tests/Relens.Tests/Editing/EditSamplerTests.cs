using Relens.Editing;

namespace Relens.Tests.Editing;

/// <summary>The experiment's batches are prefixes of one drawn pool: every edit of a batch must still find an unedited
/// known subject with its new object (the LRE edit takes z′ from it), however many edits come before it.</summary>
public class EditSamplerTests
{
    [Fact]
    public void EveryPrefixOfTheDrawnEdits_KeepsTwoHoldersOfEachNewObject()
    {
        // three objects with few holders each: editing the holders of an object that earlier edits moved to would leave none
        var known = new[] { "X", "X", "X", "Y", "Y", "Y", "Z", "Z", "Z", "Z" }.Select(o => (Object: o, Answer: " " + o)).ToList();
        int violations = 0, picks = 0;
        for (int seed = 0; seed < 200; seed++)
        {
            var picked = EditSampler.Pick(known, budget: known.Count, new Random(seed));
            picks += picked.Count;
            Assert.All(picked, p => Assert.NotEqual(known[p.Fact].Object, p.NewObject));
            Assert.Equal(picked.Count, picked.Select(p => p.Fact).Distinct().Count());
            for (int k = 1; k <= picked.Count; k++)
            {
                var edited = picked.Take(k).Select(p => p.Fact).ToHashSet();
                foreach (var (_, target) in picked.Take(k))
                    if (known.Where((f, i) => !edited.Contains(i) && f.Object == target).Count() < 2) violations++;
            }
        }
        Assert.Equal(0, violations);
        Assert.True(picks >= 200 * 3, $"only {picks} edits drawn in 200 draws: the rule must still leave edits to draw");
    }
}
