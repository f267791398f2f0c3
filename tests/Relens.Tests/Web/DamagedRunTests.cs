using System.Net;
using Relens.Web;

namespace Relens.Tests.Web;

/// <summary>A run folder that is incomplete or damaged on disk: the server explains, with JSON errors and no traces.</summary>
[Collection(WebCollection.Name)]
[Trait(TestCategories.Name, TestCategories.Golden)]
public class DamagedRunTests
{
    private static string CopyOfTinyRun()
    {
        var dir = TestPaths.NewTempDir("web-damaged");
        foreach (var file in Directory.EnumerateFiles(TinyRun.Shared.Directory, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(dir, Path.GetRelativePath(TinyRun.Shared.Directory, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        return dir;
    }

    private static async Task WithServer(string dir, Func<HttpClient, Task> test, string? model = null)
    {
        await using var server = await RelensWebServer.StartAsync(new WebServerOptions { ResultsDirectory = dir, Port = 0, ModelDirectory = model });
        using var http = new HttpClient { BaseAddress = server.Url };
        await test(http);
    }

    [Fact]
    public async Task CorruptSummaryAndResultsAre500WithTheFileNamed()
    {
        var dir = CopyOfTinyRun();
        await File.WriteAllTextAsync(Path.Combine(dir, "summary.json"), "{\"relations\": [");
        var lines = await File.ReadAllLinesAsync(Path.Combine(dir, "results.jsonl"));
        lines[1] = "not json";
        await File.WriteAllLinesAsync(Path.Combine(dir, "results.jsonl"), lines);
        await WithServer(dir, async http =>
        {
            var error = await BadRequestTests.AssertJsonError(await http.GetAsync("/api/relations"), HttpStatusCode.InternalServerError);
            Assert.Contains("summary.json", error);
            // a repaired summary is picked up without a restart; the results file is still damaged
            File.Copy(Path.Combine(TinyRun.Shared.Directory, "summary.json"), Path.Combine(dir, "summary.json"), overwrite: true);
            error = await BadRequestTests.AssertJsonError(await http.GetAsync("/api/relations/country_capital_city"), HttpStatusCode.InternalServerError);
            Assert.Contains("results.jsonl", error);
        });
    }

    [Fact]
    public async Task UnsummarisedRunIs503ButTheRunStillLoads()
    {
        var dir = CopyOfTinyRun();
        File.Delete(Path.Combine(dir, "summary.json"));
        await WithServer(dir, async http =>
        {
            var error = await BadRequestTests.AssertJsonError(await http.GetAsync("/api/relations"), HttpStatusCode.ServiceUnavailable);
            Assert.Contains("relens report", error);
            Assert.True((await http.GetAsync("/api/run")).IsSuccessStatusCode);
        });
    }

    [Fact]
    public async Task MissingModelDisablesOnlyTheLens()
    {
        var dir = CopyOfTinyRun();
        var info = Reporting.RunInfo.Load(dir) with { ModelDirectory = Path.Combine(dir, "moved-away") };
        info.Save(dir);
        await WithServer(dir, async http =>
        {
            Assert.True((await http.GetAsync("/api/relations")).IsSuccessStatusCode);
            var error = await BadRequestTests.AssertJsonError(
                await http.PostAsync("/api/lens", new StringContent("{\"prompt\": \"Hello\"}", System.Text.Encoding.UTF8, "application/json")),
                HttpStatusCode.ServiceUnavailable);
            Assert.Contains("--model", error);
        });
    }

    [Fact]
    public async Task NotARunFolderOrBadOptionsFailAtStartup()
    {
        await Assert.ThrowsAsync<RelensException>(() => RelensWebServer.StartAsync(new WebServerOptions { ResultsDirectory = TestPaths.NewTempDir("web-empty"), Port = 0 }));
        await Assert.ThrowsAsync<RelensException>(() => RelensWebServer.StartAsync(new WebServerOptions { ResultsDirectory = TinyRun.Shared.Directory, Port = 0, Host = "example.org" }));
        await Assert.ThrowsAsync<RelensException>(() => RelensWebServer.StartAsync(new WebServerOptions
            { ResultsDirectory = TinyRun.Shared.Directory, Port = 0, ModelDirectory = Path.Combine(TinyRun.Shared.Directory, "no-model") }));
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
        var e = await Assert.ThrowsAsync<RelensException>(() => RelensWebServer.StartAsync(new WebServerOptions { ResultsDirectory = TinyRun.Shared.Directory, Port = port }));
        Assert.Contains($"cannot listen on 127.0.0.1:{port}", e.Message);
        var cli = new Relens.Cli.Commands.ServeCommand();
        Assert.Throws<RelensException>(() => cli.Run(["--results", TinyRun.Shared.Directory, "--prot", "1"]));
    }
}
