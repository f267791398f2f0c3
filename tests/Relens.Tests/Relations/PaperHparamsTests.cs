using System.Text.Json;
using Relens.Relations;

namespace Relens.Tests.Relations;

public class PaperHparamsTests
{
    private static JsonElement Raw(string model, string file) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.Relations, "hparams", model, file))).RootElement;

    [Theory]
    [InlineData("gptj", "country capital city", "country_capital_city.json")]
    [InlineData("gpt2-xl", "company CEO", "company_CEO.json")]
    [InlineData("llama", "object superclass", "object_superclass.json")]
    public void ReadsTheFileOfTheRelation(string model, string relation, string file)
    {
        var h = PaperHparams.Load(TestPaths.Relations, model, relation);
        var raw = Raw(model, file);
        Assert.Equal(relation, h.RelationName);
        Assert.Equal(model, h.ModelKey);
        Assert.Equal(raw.GetProperty("h_layer").GetRawText().Trim('"'), h.HLayer.ToString());
        Assert.Equal(raw.GetProperty("h_layer_edit").GetRawText().Trim('"'), h.HLayerEdit.ToString());
        Assert.Equal(raw.GetProperty("beta").GetDouble(), h.Beta);
        Assert.Equal(raw.GetProperty("rank").GetInt32(), h.Rank);
        Assert.Equal(raw.GetProperty("z_layer").GetInt32(), h.ZLayer);
    }

    [Fact]
    public void EmbLayerIsRead()
    {
        // Some relations' causality-best layer is the embedding output; find one rather than assume which.
        string dir = Path.Combine(TestPaths.Relations, "hparams", "gptj");
        var withEmb = Directory.EnumerateFiles(dir, "*.json")
            .Select(f => (f, raw: JsonDocument.Parse(File.ReadAllText(f)).RootElement))
            .First(x => x.raw.GetProperty("h_layer_edit").ValueKind == JsonValueKind.String);
        var h = PaperHparams.Load(TestPaths.Relations, "gptj", withEmb.raw.GetProperty("relation_name").GetString()!);
        Assert.True(h.HLayerEdit.IsEmbedding);
        Assert.Equal("emb", h.HLayerEdit.ToString());
    }

    [Fact]
    public void CaseInsensitiveRelationName()
    {
        Assert.Equal("company CEO", PaperHparams.Load(TestPaths.Relations, "gptj", "company ceo").RelationName);
    }

    [Fact]
    public void MissingModelOrRelationIsAnErrorNamingWhatExists()
    {
        var e = Assert.Throws<RelensException>(() => PaperHparams.Load(TestPaths.Relations, "gpt3", "country capital city"));
        Assert.Contains("gpt3", e.Message);
        Assert.Contains("gptj", e.Message);

        e = Assert.Throws<RelensException>(() => PaperHparams.Load(TestPaths.Relations, "gptj", "country capitol city"));
        Assert.Contains("country_capitol_city.json", e.Message);
        Assert.Contains("'country capital city'", e.Message);
    }

    [Fact]
    public void BadHparamsFileIsAnError()
    {
        string root = TestPaths.NewTempDir("hparams-bad");
        string dir = Path.Combine(root, "hparams", "toy");
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, "r_x.json");
        File.WriteAllText(path, """{"relation_name": "r x", "h_layer": "first", "h_layer_edit": 1, "beta": 2.25, "rank": 3, "z_layer": -1}""");
        var e = Assert.Throws<RelensException>(() => PaperHparams.Load(root, "toy", "r x"));
        Assert.Contains(path, e.Message);
        Assert.Contains("'h_layer'", e.Message);

        File.WriteAllText(path, """{"relation_name": "r x", "h_layer": 1, "h_layer_edit": 1, "rank": 3, "z_layer": -1}""");
        Assert.Contains("'beta'", Assert.Throws<RelensException>(() => PaperHparams.Load(root, "toy", "r x")).Message);
    }
}
