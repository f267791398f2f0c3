using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Relens.Tests.Web;

/// <summary>Every refused request gets the right status and a JSON <c>{"error": ...}</c> without server internals.</summary>
[Collection(WebCollection.Name)]
[Trait(TestCategories.Name, TestCategories.Golden)]
public class BadRequestTests(WebServerFixture web)
{
    private static readonly string Lre = "country_capital_city";

    /// <summary>The error body: JSON with a non-empty "error" string and nothing that looks like a stack trace.</summary>
    public static async Task<string> AssertJsonError(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.ToString());
        var error = JsonDocument.Parse(text).RootElement.GetProperty("error").GetString();
        Assert.False(string.IsNullOrWhiteSpace(error));
        foreach (var leak in new[] { "   at ", ".cs:line", "Exception", "System.", "Microsoft.", "root:x:" })
            Assert.DoesNotContain(leak, text);
        return error!;
    }

    [Theory]
    [InlineData("/api/relations/no%20such%20relation")]
    [InlineData("/api/relations/..%2F..%2F..%2Fetc%2Fpasswd")]
    [InlineData("/api/relations/%2Fetc%2Fpasswd")]
    [InlineData("/api/relations/..%252F..%252Fsummary.json")]
    [InlineData("/api/relations/summary.json")]
    [InlineData("/api/nothing")]
    [InlineData("/..%2F..%2F..%2Fetc%2Fpasswd")]
    [InlineData("/%2e%2e/%2e%2e/%2e%2e/etc/passwd")]
    [InlineData("/run.json")]        // the run folder is not served as files
    [InlineData("/summary.json")]
    [InlineData("/lres%2Fcountry_capital_city.json")]
    public async Task UnknownNamesAndPathsAre404(string path) =>
        await AssertJsonError(await web.Http.GetAsync(path), HttpStatusCode.NotFound);

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("..%2F..%2Fetc%2Fpasswd")]
    [InlineData("%2e%2e%2f%2e%2e%2fetc")]
    [InlineData("/etc/passwd")]
    [InlineData("..\\..\\windows")]
    [InlineData("lres/country_capital_city")]
    [InlineData("C:\\lres\\x")]
    public async Task PathLikeLreNamesAre400(string lre)
    {
        var error = await AssertJsonError(await web.PostLens(new { prompt = "Hello", lre }), HttpStatusCode.BadRequest);
        Assert.Contains("not an LRE name", error);
    }

    [Fact]
    public async Task AnLreFileOutsideTheResultsFolderIsNeverLoaded()
    {
        // a real, loadable LRE just outside the results folder: reachable only by a path, which is refused
        var outside = Path.Combine(Path.GetDirectoryName(web.Run.Folder.Directory)!, "outside-" + Guid.NewGuid().ToString("N")[..6]);
        foreach (var ext in new[] { ".json", ".safetensors" })
            File.Copy(web.Run.Folder.LrePrefix(web.Run.Relations[0].Name) + ext, outside + ext);
        try
        {
            var name = Path.GetFileName(outside);
            await AssertJsonError(await web.PostLens(new { prompt = "Hello", lre = "../../" + name }), HttpStatusCode.BadRequest);
            await AssertJsonError(await web.PostLens(new { prompt = "Hello", lre = outside }), HttpStatusCode.BadRequest);
            await AssertJsonError(await web.PostLens(new { prompt = "Hello", lre = name }), HttpStatusCode.NotFound);
        }
        finally
        {
            foreach (var ext in new[] { ".json", ".safetensors" }) File.Delete(outside + ext);
        }
    }

    [Fact]
    public async Task UnknownLreIs404() =>
        await AssertJsonError(await web.PostLens(new { prompt = "Hello", lre = "no_such_relation" }), HttpStatusCode.NotFound);

    [Fact]
    public async Task UnknownLayerIs400()
    {
        var name = Uri.EscapeDataString(web.Run.Relations[0].Name);
        await AssertJsonError(await web.Http.GetAsync($"/api/relations/{name}?layer=2"), HttpStatusCode.BadRequest);   // not swept
        await AssertJsonError(await web.Http.GetAsync($"/api/relations/{name}?layer=..%2F..%2Fx"), HttpStatusCode.BadRequest);
    }

    public static TheoryData<string, string> BadPrompts => new()
    {
        { "empty", "" },
        { "blank", "   \n\t " },
        { "over 2,000 characters", new string('a', 2_001) },
        { "over 128 tokens", string.Join(" ", Enumerable.Range(0, 300).Select(i => i.ToString())) },
    };

    [Theory]
    [MemberData(nameof(BadPrompts))]
    public async Task BadPromptsAre400(string why, string prompt)
    {
        _ = why;
        await AssertJsonError(await web.PostLens(new { prompt, lre = Lre }), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task MissingPromptAndBadTopAre400()
    {
        await AssertJsonError(await web.PostLens(new { lre = Lre }), HttpStatusCode.BadRequest);
        await AssertJsonError(await web.PostLens(new { prompt = "Hello", top = 0 }), HttpStatusCode.BadRequest);
        await AssertJsonError(await web.PostLens(new { prompt = "Hello", top = 21 }), HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("{\"prompt\": ")]
    [InlineData("{prompt: 'Hello'}")]
    [InlineData("[\"Hello\"]")]
    [InlineData("null")]
    [InlineData("")]
    [InlineData("{\"prompt\": 5}")]
    [InlineData("{\"prompt\": \"Hello\", \"top\": \"many\"}")]
    public async Task MalformedJsonIs400(string body) =>
        await AssertJsonError(await web.Http.PostAsync("/api/lens", new StringContent(body, Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest);

    [Fact]
    public async Task NonJsonContentTypeIs415() =>
        await AssertJsonError(await web.Http.PostAsync("/api/lens", new StringContent("{\"prompt\": \"Hello\"}", Encoding.UTF8, "text/plain")),
            HttpStatusCode.UnsupportedMediaType);

    [Fact]
    public async Task WrongMethodIs405() =>
        await AssertJsonError(await web.Http.GetAsync("/api/lens"), HttpStatusCode.MethodNotAllowed);

    [Fact]
    public async Task OversizedBodyWithContentLengthIs413()
    {
        var body = JsonSerializer.Serialize(new { prompt = new string('a', 100_000) });
        await AssertJsonError(await web.Http.PostAsync("/api/lens", new StringContent(body, Encoding.UTF8, "application/json")), HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task OversizedChunkedBodyIs413()
    {
        // no Content-Length: Kestrel's body limit has to stop it while the JSON is being read
        var body = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { prompt = new string('a', 100_000) }));
        var content = new StreamContent(new UnknownLengthStream(body));
        content.Headers.ContentType = new("application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/lens") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        await AssertJsonError(await web.Http.SendAsync(request), HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task RawDotDotPathsNeverServeAFile()
    {
        // HttpClient normalises "../" before sending, so write the request line by hand
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(web.Server.Url.Host, web.Server.Url.Port);
        var stream = tcp.GetStream();
        var request = "GET /../../../../../../etc/passwd HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        var response = await new StreamReader(stream).ReadToEndAsync();
        Assert.DoesNotContain("root:x:", response);
        Assert.Matches(@"^HTTP/1\.1 (400|404) ", response);
    }

    [Fact]
    public async Task ForeignHostNamesAreRefusedOnLoopback()
    {
        // DNS rebinding: a page on evil.example resolving to 127.0.0.1 must not read the API
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/run");
        request.Headers.Host = "evil.example";
        await AssertJsonError(await web.Http.SendAsync(request), HttpStatusCode.BadRequest);
    }

    /// <summary>A stream whose length HttpClient cannot know, so it sends the body chunked.</summary>
    private sealed class UnknownLengthStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
