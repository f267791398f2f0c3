using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Relens.Lens;
using Relens.Models;
using Relens.Sweeps;
using Xunit.Abstractions;

namespace Relens.Tests.Web;

/// <summary>
/// The pages in a real browser: Playwright driving Debian's Chromium (Playwright's own browser download is not
/// used). Expected values come from the library directly, not from the API the pages call.
/// </summary>
[Collection(WebCollection.Name)]
[Trait(TestCategories.Name, TestCategories.Golden)]
[Trait(TestCategories.Name, TestCategories.Browser)]
public class BrowserTests(WebServerFixture web, ITestOutputHelper output)
{
    private const string ChromiumPath = "/usr/bin/chromium";
    private static string Artifacts => Path.Combine(TestPaths.RepoRoot, "artifacts", "web");

    [Fact]
    public async Task RelationsRelationDetailAndLensWorkInChromium()
    {
        await InChromium(async page =>
        {
            await RelationsPage(page);
            await RelationPage(page);
            await LensPage(page);
        });
    }

    [Fact]
    public async Task TracePageDrawsTheMapInChromium() => await InChromium(TracePage);

    /// <summary>Runs <paramref name="pages"/> in a fresh headless Chromium; any console error, page error or HTTP error fails.</summary>
    private static async Task InChromium(Func<IPage, Task> pages)
    {
        Assert.True(File.Exists(ChromiumPath),
            $"{ChromiumPath} is missing: the browser test needs Debian's Chromium (`apt-get install -y chromium`; .ci/install-deps installs it)");
        Directory.CreateDirectory(Artifacts);
        using var playwright = await Playwright.CreateAsync();
        await using var context = await playwright.Chromium.LaunchPersistentContextAsync(TestPaths.NewTempDir("chromium-profile"), new()
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync"],
            ViewportSize = new() { Width = 1400, Height = 900 },
        });
        context.SetDefaultTimeout(60_000);   // the CI machine may be busy
        var page = context.Pages.Count > 0 ? context.Pages[0] : await context.NewPageAsync();
        var consoleErrors = new List<string>();
        page.Console += (_, m) => { if (m.Type == "error") consoleErrors.Add(m.Text); };
        page.PageError += (_, e) => consoleErrors.Add(e);
        page.Response += (_, r) => { if (r.Status >= 400) consoleErrors.Add($"{r.Status} {r.Url}"); };
        await pages(page);
        Assert.True(consoleErrors.Count == 0, "browser errors:\n" + string.Join("\n", consoleErrors));
    }

    private async Task TracePage(IPage page)
    {
        // reached from the header's link, as a user would
        await page.GotoAsync(web.Server.Url.ToString());
        await page.ClickAsync("header a:text-is('Trace')");
        await page.WaitForSelectorAsync("form[data-ready=true]");
        const string prompt = TraceApiTests.Prompt, subject = TraceApiTests.Subject;
        await page.FillAsync("#prompt", prompt);
        await page.FillAsync("#subject", subject);
        await page.FillAsync("#samples", "3");
        await page.FillAsync("#window", "2");
        using var lm = LanguageModel.Load(web.Run.ModelDirectory);
        var tp = Relens.Tracing.TracePrompt.Create(lm, prompt, subject);
        var tracer = new Relens.Tracing.CausalTracer(lm, new Relens.Tracing.TraceOptions { Samples = 3, Window = 2, KnockoutWindow = 2 });
        foreach (var kind in new[] { Relens.Tracing.TraceKind.State, Relens.Tracing.TraceKind.Attn })
        {
            await page.SelectOptionAsync("#kind", kind.ToString().ToLowerInvariant());
            await page.ClickAsync("#run");
            await page.WaitForSelectorAsync("#tracemap[data-state=done]");
            var expected = tracer.Trace(tp, kind);
            var cells = await page.Locator("#tracemap td.cell").EvaluateAllAsync<string[][]>("tds => tds.map(td => [td.dataset.row, td.dataset.layer, td.dataset.value])");
            Assert.Equal(tp.Count * lm.Model.NumLayers, cells.Length);
            foreach (var c in cells)
                Assert.Equal(expected.Scores[int.Parse(c[0])][int.Parse(c[1])], double.Parse(c[2], System.Globalization.CultureInfo.InvariantCulture), 12);
            // one row per token, the subject's marked
            var rows = await page.Locator("#tracemap tbody th").AllTextContentsAsync();
            Assert.Equal(expected.Tokens.Select((t, i) => Visible(t) + (i >= tp.SubjectFirst && i <= tp.SubjectLast ? "*" : "")), rows);
            Assert.Contains($"answer {System.Text.Json.JsonSerializer.Serialize(expected.Answer.Answer)}", await page.TextContentAsync("#result-info"));
            await Screenshot(page, "trace-" + kind.ToString().ToLowerInvariant());
        }

        // knockout: two rows (window around ℓ, from ℓ on), values are relative changes
        await page.SelectOptionAsync("#kind", "knockout");
        await page.ClickAsync("#run");
        await page.WaitForSelectorAsync("#tracemap[data-state=done]");
        var knock = tracer.Knockout(tp);
        var values = await page.Locator("#tracemap td.cell").EvaluateAllAsync<string[][]>("tds => tds.map(td => [td.dataset.row, td.dataset.layer, td.dataset.value])");
        Assert.Equal(2 * lm.Model.NumLayers, values.Length);
        foreach (var c in values)
        {
            var row = c[0] == "0" ? knock.WindowChange : knock.FromLayerChange;
            Assert.Equal(row[int.Parse(c[1])], double.Parse(c[2], System.Globalization.CultureInfo.InvariantCulture), 12);
        }
    }

    private async Task RelationsPage(IPage page)
    {
        await page.GotoAsync(web.Server.Url.ToString());
        await page.WaitForSelectorAsync("#relations[data-loaded=true]");
        var rows = page.Locator("#relations tbody tr");
        Assert.Equal(TinyRun.RelationNames.Length, await rows.CountAsync());

        // numbers sort best-first on the first click, reversed on the second
        var faithfulness = web.Run.Folder.LoadSummary().Relations.Select(r => r.Faithfulness).ToList();
        await page.ClickAsync("th[data-key=faithfulness]");
        Assert.Equal(faithfulness.OrderDescending(), await Values(page, "faithfulness"));
        Assert.Equal("descending", await page.GetAttributeAsync("th[data-key=faithfulness]", "aria-sort"));
        await page.ClickAsync("th[data-key=faithfulness]");
        Assert.Equal(faithfulness.Order(), await Values(page, "faithfulness"));
        await page.ClickAsync("th[data-key=relation]");
        Assert.Equal(TinyRun.RelationNames.Order(StringComparer.Ordinal), await rows.Locator("td[data-key=relation] a").AllTextContentsAsync());

        await page.SelectOptionAsync("#category", "commonsense");
        Assert.Equal(["fruit inside color"], await rows.Locator("td[data-key=relation] a").AllTextContentsAsync());
        await page.SelectOptionAsync("#category", "");
        Assert.Equal(TinyRun.RelationNames.Length, await rows.CountAsync());
        // the chance tick is drawn in every faithfulness bar
        Assert.Equal(TinyRun.RelationNames.Length, await page.Locator("td[data-key=faithfulness] .chance").CountAsync());
        await Screenshot(page, "relations");
    }

    private static async Task<List<double>> Values(IPage page, string key) =>
        (await page.Locator($"#relations tbody td[data-key={key}]").EvaluateAllAsync<string[]>("tds => tds.map(td => td.dataset.value)"))
        .Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToList();

    private async Task RelationPage(IPage page)
    {
        var relation = web.Run.Relations[0];
        var summary = web.Run.Folder.LoadSummary().Relations.Single(r => r.Relation == relation.Name);
        await page.ClickAsync($"#relations a:text-is('{relation.Name}')");
        await page.WaitForSelectorAsync("body[data-loaded=true]");
        Assert.Contains(relation.Name, await page.TextContentAsync("#title"));
        // one line per measure, one dot per layer on each
        Assert.Equal(2, await page.Locator("#chart svg polyline").CountAsync());
        Assert.Equal(2 * summary.Layers.Count, await page.Locator("#chart svg circle").CountAsync());

        var expected = web.Run.Folder.LoadRecords()
            .Where(r => r.Relation == relation.Name && r.Layer?.ToString() == summary.CausalityBestLayer && r.Metric == SweepMetrics.SampleFaithfulness)
            .Select(r => r.Subject).ToList();
        Assert.NotEmpty(expected);
        Assert.Equal(expected, await page.Locator("#samples tbody tr").EvaluateAllAsync<string[]>("trs => trs.map(tr => tr.dataset.subject)"));
        // each subject shows the LRE's top 3, each with a probability
        Assert.Equal(3 * expected.Count, await page.Locator("#samples td.lre .tok").CountAsync());
        await Screenshot(page, "relation");
    }

    private async Task LensPage(IPage page)
    {
        // the relation page links to the lens with its LRE chosen
        await page.ClickAsync("#lens-link");
        await page.WaitForSelectorAsync("form[data-ready=true]");
        var lreName = web.Run.LreStems[0];
        Assert.Equal(lreName, await page.InputValueAsync("#lre"));

        using var lm = LanguageModel.Load(web.Run.ModelDirectory);
        using var lre = web.Run.Folder.LoadLre(lreName, lm);
        await RunLens(page, lm, "The capital city of France is", lre, lreName);
        await Screenshot(page, "lens");

        // hovering a cell lists its top 5
        await page.HoverAsync("td.cell[data-row='2'][data-col='3']");
        await page.WaitForSelectorAsync("#tooltip", new() { State = WaitForSelectorState.Visible });
        Assert.Equal(5, await page.Locator("#tooltip tr").CountAsync());
        await Screenshot(page, "lens-hover");

        // the identity operator is the logit lens
        await page.SelectOptionAsync("#lre", "identity");
        await RunLens(page, lm, "Apples are red and bananas are", null, "identity");
    }

    /// <summary>Types the prompt, runs it, and checks every heat-map cell's top token against AttributeLens.Run.</summary>
    private async Task RunLens(IPage page, LanguageModel lm, string prompt, Relens.Lre.IRelationOperator? op, string name)
    {
        await page.FillAsync("#prompt", "");
        await page.Locator("#prompt").PressSequentiallyAsync(prompt);   // typed key by key, as a user would
        await page.ClickAsync("#run");
        await page.WaitForSelectorAsync("#heatmap[data-state=done]");
        var expected = AttributeLens.Run(lm, prompt, op, 5);
        Assert.Contains($"operator: {name}", await page.TextContentAsync("#result-info"));
        var cells = page.Locator("#heatmap td.cell");
        Assert.Equal(expected.Layers.Length * expected.Tokens.Length, await cells.CountAsync());
        var shown = await cells.EvaluateAllAsync<string[][]>("tds => tds.map(td => [td.dataset.row, td.dataset.col, td.textContent])");
        foreach (var cell in shown)
        {
            int row = int.Parse(cell[0]), col = int.Parse(cell[1]);
            Assert.Equal(Visible(expected.Cells[row][col].Tokens[0]), cell[2]);
        }
        var headers = await page.Locator("#heatmap thead th[data-col]").AllTextContentsAsync();
        Assert.Equal(expected.Tokens.Select(Visible), headers);
        output.WriteLine($"{name}: {shown.Length} cells match, e.g. last layer: {string.Join(" | ", expected.Cells[^1].Select(c => c.Tokens[0]))}");
    }

    /// <summary>The pages' visibleToken (app.js): what a cell shows for a token.</summary>
    private static string Visible(string token) =>
        token == "" ? "∅" : token.Replace("\n", "↵").Replace("\t", "⇥").Replace("\r", "␍");

    private async Task Screenshot(IPage page, string name)
    {
        var path = Path.Combine(Artifacts, name + ".png");
        await page.ScreenshotAsync(new() { Path = path, FullPage = true });
        output.WriteLine($"screenshot: {path}");
    }
}
