using Relens.Relations;
using Relens.Runs;
using Relens.World;

namespace Relens.Tests.Runs;

/// <summary>A world model is measured on the facts it was taught (its facts.json), not on its relations' whole files.</summary>
public class TaughtFactsTests
{
    private static RunPlan Plan(params string[] only) => RunPreflight.Plan(new RunOptions
    {
        RelationsDirectory = TestPaths.Relations, Only = only,
        OutputDirectory = Path.Combine(TestPaths.NewTempDir("taught-out"), "out"),
    });

    [Fact]
    public void A_folder_with_facts_json_narrows_its_relations_to_the_taught_samples_and_leaves_the_others_whole()
    {
        var corpus = WorldCorpus.Build(WorldSpec.Tiny, TestPaths.Relations);
        string dir = TestPaths.NewTempDir("taught-model");
        WorldFactsFile.Write(dir, corpus);
        var capital = corpus.Relations.Single(r => r.Id == "factual/country_capital_city");

        var plan = RunPreflight.TaughtFactsOnly(Plan("country capital city", "adjective comparative"), dir);

        var narrowed = plan.Relations.Single(r => r.Name == capital.Name);
        Assert.Equal(capital.Facts.Select(f => (f.Subject, f.Object)).Order(), narrowed.Samples.Select(s => (s.Subject, s.Object)).Order());
        Assert.Equal(narrowed.Samples, plan.Dataset.Find(capital.Name).Samples); // the summary sees the same samples
        var whole = RelationDataset.Load(TestPaths.Relations).Find("adjective comparative");
        Assert.Equal(whole.Samples, plan.Relations.Single(r => r.Name == "adjective comparative").Samples);
        Assert.Contains($"{capital.Facts.Count + whole.Samples.Count} of the relations'", plan.SampleNote);
    }

    [Fact]
    public void A_folder_without_facts_json_changes_nothing_and_a_broken_one_is_named()
    {
        var plan = Plan("country capital city");
        Assert.Same(plan, RunPreflight.TaughtFactsOnly(plan, TestPaths.NewTempDir("no-facts")));

        string dir = TestPaths.NewTempDir("bad-facts");
        File.WriteAllText(Path.Combine(dir, WorldFactsFile.FileName), "{\"relations\": [{\"name\": 3}]}");
        var e = Assert.Throws<RelensException>(() => RunPreflight.TaughtFactsOnly(plan, dir));
        Assert.Contains(WorldFactsFile.FileName, e.Message);
    }
}
