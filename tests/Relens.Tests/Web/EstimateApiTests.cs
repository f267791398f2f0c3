using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Relens.Lre;
using Relens.Models;
using Relens.Relations;

namespace Relens.Tests.Web;

/// <summary>POST /api/estimate: the viewer takes training subjects or exact pairs by the rule of `relens estimate`.</summary>
[Collection(WebCollection.Name)]
public class EstimateApiTests(WebServerFixture web)
{
    private Task<HttpResponseMessage> Post(object body) => web.Http.PostAsJsonAsync("/api/estimate", body);

    [Fact]
    public async Task PairsGiveTheLreOfThoseSamples()
    {
        var body = await WebServerFixture.Json(await Post(new
        {
            relation = "object superclass", layer = "1", beta = 1.5,
            train_samples = new[] { new { subject = "apple", @object = "fruit" }, new { subject = "carrot", @object = "plant" } },
        }));
        Assert.Equal("object superclass", body.GetProperty("relation").GetString());
        Assert.Equal("1", body.GetProperty("layer").GetString());
        Assert.Equal(1.5, body.GetProperty("beta").GetDouble());
        Assert.Equal(["apple→fruit", "carrot→plant"], body.GetProperty("train").EnumerateArray().Select(p => $"{p.GetProperty("subject").GetString()}→{p.GetProperty("object").GetString()}"));

        var relation = RelationDataset.Load(TestPaths.Relations).Find("object superclass");
        using var lm = LanguageModel.Load(web.Run.ModelDirectory);
        using var lre = LreEstimator.Estimate(lm, relation.Name, relation.PromptTemplate, [new("apple", "fruit"), new("carrot", "plant")], LayerRef.At(1), 1.5);
        Assert.Equal(lre.Weight.norm().item<float>(), body.GetProperty("weight_norm").GetSingle(), 3);
    }

    [Theory]
    [InlineData("""{"relation": "object superclass", "layer": "1", "train_subjects": ["eagle", "apple"]}""", "several objects for training subject 'apple' ('plant', 'fruit')")]
    [InlineData("""{"relation": "object superclass", "layer": "1", "train_samples": [{"subject": "apple", "object": "fruit"}, {"subject": "apple", "object": "tree"}]}""",
        "'train_samples'[1]: the pair 'apple' → 'tree' is not a sample of relation 'object superclass': its objects for 'apple' are 'plant', 'fruit'")]
    [InlineData("""{"relation": "object superclass", "layer": "1", "train_samples": [{"subject": "apple"}]}""", "'train_samples'[0] needs a non-empty \"subject\" and \"object\"")]
    [InlineData("""{"relation": "object superclass", "layer": "1"}""", "give either 'train_subjects'")]
    [InlineData("""{"relation": "object superclass", "layer": "9", "train_subjects": ["eagle"]}""", "9")]
    public async Task BadTrainingSetsAre400WithTheRulesMessage(string json, string message)
    {
        var response = await web.Http.PostAsync("/api/estimate", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode} {text}");
        Assert.Contains(message, JsonDocument.Parse(text).RootElement.GetProperty("error").GetString());
    }
}
