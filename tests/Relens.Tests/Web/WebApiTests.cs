using System.Text.Json;
using Relens.Lens;
using Relens.Models;
using Relens.Reporting;
using Relens.Sweeps;

namespace Relens.Tests.Web;

/// <summary>The JSON API's answers, checked against the run folder read directly with the library.</summary>
[Collection(WebCollection.Name)]
[Trait(TestCategories.Name, TestCategories.Golden)]
public class WebApiTests(WebServerFixture web)
{
    [Fact]
    public async Task RunDescribesTheFolderAndTheLoadedModel()
    {
        var run = await WebServerFixture.Json(await web.Http.GetAsync("/api/run"));
        Assert.Equal(web.Run.Folder.Directory, run.GetProperty("results_directory").GetString());
        Assert.Equal("gpt2", run.GetProperty("run").GetProperty("model_type").GetString());
        Assert.True(run.GetProperty("model").GetProperty("loaded").GetBoolean());
        Assert.Equal(web.Run.Folder.LoadInfo().ModelIdentity, run.GetProperty("model").GetProperty("identity").GetString());
    }

    [Fact]
    public async Task RelationsListEveryRelationOfTheSummaryWithItsNumbers()
    {
        var summary = web.Run.Folder.LoadSummary();
        var body = await WebServerFixture.Json(await web.Http.GetAsync("/api/relations"));
        var listed = body.GetProperty("relations").EnumerateArray().ToList();
        Assert.Equal(summary.Relations.Select(r => r.Relation), listed.Select(r => r.GetProperty("relation").GetString()));
        foreach (var (expected, actual) in summary.Relations.Zip(listed))
        {
            Assert.Equal(expected.Faithfulness, actual.GetProperty("faithfulness").GetDouble(), 12);
            Assert.Equal(expected.Causality, actual.GetProperty("causality").GetDouble(), 12);
            Assert.Equal(expected.Chance, actual.GetProperty("chance").GetDouble(), 12);
            Assert.Equal(expected.Category, actual.GetProperty("category").GetString());
        }
        // the first two relations have saved LREs, the third has none
        Assert.Equal(web.Run.LreStems, listed.Where(r => r.GetProperty("lre").ValueKind == JsonValueKind.String).Select(r => r.GetProperty("lre").GetString()));
    }

    [Fact]
    public async Task RelationDetailShowsTheRecordsOfTheCausalityBestLayer()
    {
        var relation = web.Run.Relations[0];
        var summary = web.Run.Folder.LoadSummary().Relations.Single(r => r.Relation == relation.Name);
        var records = SweepRecordStore_ReadAll().Where(r => r.Relation == relation.Name && r.Layer?.ToString() == summary.CausalityBestLayer).ToList();

        var detail = await WebServerFixture.Json(await web.Http.GetAsync($"/api/relations/{Uri.EscapeDataString(relation.Name)}"));
        Assert.Equal(summary.CausalityBestLayer, detail.GetProperty("layer").GetString());
        Assert.Equal(summary.Layers.Count, detail.GetProperty("summary").GetProperty("layers").GetArrayLength());
        var samples = detail.GetProperty("samples").EnumerateArray().ToList();
        var expected = records.Where(r => r.Metric == SweepMetrics.SampleFaithfulness).ToList();
        Assert.NotEmpty(expected);
        Assert.Equal(expected.Select(r => r.Subject), samples.Select(s => s.GetProperty("subject").GetString()));
        foreach (var (record, sample) in expected.Zip(samples))
        {
            var note = JsonDocument.Parse(record.Note!).RootElement;
            Assert.Equal(note.GetProperty("lm").GetString(), sample.GetProperty("lm").GetString());
            Assert.Equal(note.GetProperty("lre").EnumerateArray().Select(x => x.GetString()), sample.GetProperty("lre").EnumerateArray().Select(x => x.GetString()));
            Assert.Equal(3, sample.GetProperty("p").GetArrayLength());
            Assert.Equal(record.Value == 1, sample.GetProperty("hit").GetBoolean());
        }
        Assert.Equal(records.Count(r => r.Metric == SweepMetrics.SampleCausality), detail.GetProperty("edits").GetArrayLength());
    }

    [Fact]
    public async Task RelationDetailByStemAndOtherLayer()
    {
        var relation = web.Run.Relations[1];
        var detail = await WebServerFixture.Json(await web.Http.GetAsync($"/api/relations/{RunFolder.Stem(relation.Name)}?layer=3"));
        Assert.Equal(relation.Name, detail.GetProperty("summary").GetProperty("relation").GetString());
        Assert.Equal("3", detail.GetProperty("layer").GetString());
        var expected = SweepRecordStore_ReadAll().Count(r => r.Relation == relation.Name && r.Layer?.ToString() == "3" && r.Metric == SweepMetrics.SampleFaithfulness);
        Assert.Equal(expected, detail.GetProperty("samples").GetArrayLength());
    }

    [Fact]
    public async Task LresListsTheSavedLresAsUsableOnThisModel()
    {
        var body = await WebServerFixture.Json(await web.Http.GetAsync("/api/lres"));
        var lres = body.GetProperty("lres").EnumerateArray().ToList();
        Assert.Equal(web.Run.LreStems.Order(), lres.Select(l => l.GetProperty("name").GetString()!).Order());
        Assert.All(lres, l => Assert.True(l.GetProperty("usable").GetBoolean(), l.ToString()));
    }

    [Theory]
    [InlineData("identity")]
    [InlineData("country_capital_city")]
    [InlineData("fruit inside color")]   // a relation's name works as well as its stem
    public async Task LensAnswersWhatAttributeLensComputesDirectly(string lre)
    {
        const string prompt = "The capital city of France is";
        var response = await WebServerFixture.Json(await web.PostLens(new { prompt, lre, top = 4 }));
        using var lm = LanguageModel.Load(web.Run.ModelDirectory);
        using var op = lre == "identity" ? null : web.Run.Folder.LoadLre(lre, lm);
        var expected = AttributeLens.Run(lm, prompt, op, 4);
        LensAssert.SameAs(expected, response.GetProperty("result"));
    }

    private IReadOnlyList<Relens.Evaluation.Records.SweepRecord> SweepRecordStore_ReadAll() => web.Run.Folder.LoadRecords();
}
