using System.Net.Http.Json;
using Relens.Lens;
using Relens.Models;
using Relens.Quantization;
using Relens.Reporting;
using Relens.Web;

namespace Relens.Tests.Web;

/// <summary>`relens serve --quantize`: the lens's model is quantised as asked, or as run.json says the run was.</summary>
[Collection(WebCollection.Name)]
[Trait(TestCategories.Name, TestCategories.Golden)]
public class QuantizedServeTests
{
    private static string CopyOfTinyRunQuantized(string scheme)
    {
        var dir = TestPaths.NewTempDir("web-quantized");
        foreach (var file in Directory.EnumerateFiles(TinyRun.Shared.Directory, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(dir, Path.GetRelativePath(TinyRun.Shared.Directory, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        (RunInfo.Load(dir) with { Quantization = scheme }).Save(dir);
        return dir;
    }

    [Fact]
    public async Task TheLensUsesTheRunsQuantisationUnlessQuantizeOverridesIt()
    {
        var dir = CopyOfTinyRunQuantized("q8_0");
        const string prompt = "The capital city of France is";
        await using (var server = await RelensWebServer.StartAsync(new WebServerOptions { ResultsDirectory = dir, Port = 0 }))
        {
            Assert.Equal(QuantScheme.Q8_0, server.Lens.Model!.Quantization!.Scheme);
            Assert.All(ModelQuantizer.Targets(server.Lens.Model.Model), t => Assert.NotNull(t.Layer.Packed));
            using var http = new HttpClient { BaseAddress = server.Url, Timeout = TimeSpan.FromMinutes(5) };
            var response = await WebServerFixture.Json(await http.PostAsJsonAsync("/api/lens", new { prompt, lre = "country_capital_city", top = 4 }));
            // the same lens on a model quantised independently here
            using var lm = LanguageModel.Load(TinyRun.Shared.ModelDirectory, quantization: new QuantizeOptions(QuantScheme.Q8_0));
            using var op = TinyRun.Shared.Folder.LoadLre("country_capital_city", lm);
            LensAssert.SameAs(AttributeLens.Run(lm, prompt, op, 4), response.GetProperty("result"));
        }
        await using (var server = await RelensWebServer.StartAsync(new WebServerOptions
            { ResultsDirectory = dir, Port = 0, Quantization = new QuantizeOptions(QuantScheme.Nf4) }))
            Assert.Equal(QuantScheme.Nf4, server.Lens.Model!.Quantization!.Scheme);
    }

    [Fact]
    public void ServeRefusesAnUnknownSchemeBeforeLoading()
    {
        var e = Assert.Throws<RelensException>(() => new Relens.Cli.Commands.ServeCommand().Run(["--results", TinyRun.Shared.Directory, "--quantize", "q3_k"]));
        Assert.Contains("--quantize: unknown quantisation scheme 'q3_k'", e.Message);
        var e2 = Assert.Throws<RelensException>(() => new Relens.Cli.Commands.ServeCommand().Run(["--results", TinyRun.Shared.Directory, "--quantize-embeddings"]));
        Assert.Contains("--quantize-embeddings needs --quantize", e2.Message);
    }
}
