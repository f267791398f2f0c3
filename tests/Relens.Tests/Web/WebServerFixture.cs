using System.Net.Http.Json;
using System.Text.Json;
using Relens.Web;

namespace Relens.Tests.Web;

/// <summary>The viewer on the tiny run, in-process on a free loopback port, shared by the web tests.</summary>
public sealed class WebServerFixture : IAsyncLifetime
{
    public RelensWebServer Server { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;
    public TinyRun Run => TinyRun.Shared;

    public async Task InitializeAsync()
    {
        Server = await RelensWebServer.StartAsync(new WebServerOptions { ResultsDirectory = Run.Directory, Port = 0 });
        Http = new HttpClient { BaseAddress = Server.Url, Timeout = TimeSpan.FromMinutes(5) };
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
    }

    public Task<HttpResponseMessage> PostLens(object body) => Http.PostAsJsonAsync("/api/lens", body);

    public static async Task<JsonElement> Json(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement;
    }
}

/// <summary>
/// Web tests run alone: the memory test reads process-wide counters (RSS, live tensors) that tests running
/// beside it would move, and every lens request shares one model anyway.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class WebCollection : ICollectionFixture<WebServerFixture>
{
    public const string Name = "web";
}
