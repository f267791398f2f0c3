using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Relens.Models;
using Relens.Tracing;

namespace Relens.Tests.Web;

/// <summary>POST /api/trace: the grid of `relens trace --prompt`, checked against CausalTracer run directly.</summary>
[Collection(WebCollection.Name)]
[Trait(TestCategories.Name, TestCategories.Golden)]
public class TraceApiTests(WebServerFixture web)
{
    public const string Prompt = "The Eiffel Tower is located in the city of", Subject = "Eiffel Tower";

    private Task<HttpResponseMessage> Post(object body) => web.Http.PostAsJsonAsync("/api/trace", body);

    [Fact]
    public async Task StateAndKnockoutGridsEqualTheLibrarys()
    {
        using var lm = LanguageModel.Load(web.Run.ModelDirectory);
        var prompt = TracePrompt.Create(lm, Prompt, Subject);
        var tracer = new CausalTracer(lm, new TraceOptions { Samples = 3, Window = 2, KnockoutWindow = 2 });
        var expected = tracer.Trace(prompt, TraceKind.Mlp);

        var body = await WebServerFixture.Json(await Post(new { prompt = Prompt, subject = Subject, kind = "mlp", samples = 3, window = 2, @object = "Paris" }));
        Assert.Equal("mlp", body.GetProperty("kind").GetString());
        Assert.Equal(expected.Answer.Answer, body.GetProperty("answer").GetString());
        Assert.Equal(expected.Tokens, body.GetProperty("tokens").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal([prompt.SubjectFirst, prompt.SubjectLast], body.GetProperty("subject_tokens").EnumerateArray().Select(t => t.GetInt32()));
        Assert.False(body.GetProperty("known").GetBoolean());   // the random tiny model does not answer Paris
        var mlp = body.GetProperty("mlp");
        Assert.Equal(expected.Corrupted, mlp.GetProperty("corrupted").GetDouble(), 12);
        var scores = mlp.GetProperty("scores").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();
        Assert.Equal(prompt.Count, scores.Length);
        for (int t = 0; t < scores.Length; t++)
            for (int l = 0; l < lm.Model.NumLayers; l++) Assert.Equal(expected.Scores[t][l], scores[t][l], 12);

        var knockout = tracer.Knockout(prompt);
        body = await WebServerFixture.Json(await Post(new { prompt = Prompt, subject = Subject, kind = "knockout", samples = 3, window = 2 }));
        Assert.Equal(JsonValueKind.Null, body.GetProperty("known").ValueKind);
        var change = body.GetProperty("knockout").GetProperty("window_change").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        Assert.Equal(knockout.WindowChange.Length, change.Length);
        for (int l = 0; l < change.Length; l++) Assert.Equal(knockout.WindowChange[l], change[l], 12);
    }

    [Theory]
    [InlineData("subject absent", """{"prompt": "The Eiffel Tower is in", "subject": "Louvre"}""", "does not occur in the prompt")]
    [InlineData("no subject", """{"prompt": "The Eiffel Tower is in"}""", "'subject' is required")]
    [InlineData("unknown kind", """{"prompt": "The Eiffel Tower is in", "subject": "Eiffel Tower", "kind": "states"}""", "'states' is not a trace kind")]
    [InlineData("window too large", """{"prompt": "The Eiffel Tower is in", "subject": "Eiffel Tower", "window": 5}""", "'window' 5 is larger than the model (4 layers)")]
    [InlineData("window below 1", """{"prompt": "The Eiffel Tower is in", "subject": "Eiffel Tower", "window": 0}""", "'window' must be at least 1")]
    [InlineData("too many samples", """{"prompt": "The Eiffel Tower is in", "subject": "Eiffel Tower", "samples": 51}""", "'samples' must be between 1 and 50")]
    public async Task BadRequestsAre400(string why, string json, string message)
    {
        var response = await web.Http.PostAsync("/api/trace", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{why}: {(int)response.StatusCode} {text}");
        Assert.Contains(message, JsonDocument.Parse(text).RootElement.GetProperty("error").GetString());
    }
}
