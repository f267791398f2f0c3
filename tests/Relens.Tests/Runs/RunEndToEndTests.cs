using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Relens.Evaluation.Records;
using Relens.Lens;
using Relens.Lre;
using Relens.Relations;
using Relens.Reporting;
using Relens.Runs;
using Relens.Sweeps;

namespace Relens.Tests.Runs;

/// <summary>`relens run` end to end on the exactly linear model: every output, and the report agrees with the stored results.</summary>
[Trait(TestCategories.Name, TestCategories.Golden)]
public class RunEndToEndTests(LinearWorldRun run) : IClassFixture<LinearWorldRun>
{
    private RunFolder Folder => new(run.Output);

    [Fact]
    public void RunWritesEveryOutputOfTheLayout()
    {
        Assert.Equal(0, run.ExitCode);
        var f = Folder;
        foreach (var path in new[] { f.RunInfoPath, f.ResultsPath, f.ResultsCsvPath, f.SummaryPath, f.SummaryCsvPath, f.ReportPath })
            Assert.True(File.Exists(path) && new FileInfo(path).Length > 0, $"{path} missing or empty");

        var info = f.LoadInfo();
        Assert.Equal(["linear anthem", "linear capital"], info.Relations.Order());
        Assert.Equal(["emb", "0", "1"], info.Layers);
        Assert.Equal(4, info.Shots);
        Assert.NotNull(info.FinishedUtc);
        foreach (var r in info.Relations) Assert.True(info.RelationSeconds[r] > 0, $"no seconds for {r}");
        Assert.Equal(LinearWorldRun.UnitsPerRun, run.Command.LastResult!.UnitsComputed);

        // results.csv holds the same records as results.jsonl
        var records = f.LoadRecords();
        Assert.Equal(records.Count + 1, File.ReadAllLines(f.ResultsCsvPath).Length);   // header + one line each (notes are one-line JSON)
        Assert.Equal(LinearWorldRun.UnitsPerRun, records.Count(r => r.Metric == SweepMetrics.UnitDone));

        // summary.csv: one row per relation
        Assert.Equal(3, File.ReadAllLines(f.SummaryCsvPath).Length);
    }

    [Fact]
    public void TheExactlyLinearModelIsFoundLinearAndTheSavedLresAreTheReportedOnes()
    {
        var summary = Folder.LoadSummary();
        using var lm = LinearWorldRun.Load();
        Assert.Equal(2, summary.Relations.Count);
        foreach (var s in summary.Relations)
        {
            Assert.Equal(2, s.ValidTrials);
            Assert.True(s.Linear, $"{s.Relation}: F = {s.Faithfulness}");
            // saved LRE: causality-best layer, trial 0's training split, run's β
            using var lre = Folder.LoadLre(s.Relation, lm);
            Assert.Equal(s.CausalityBestLayer, lre.Layer.ToString());
            Assert.Equal(1.0, lre.Beta);
            var relation = run.Dataset.Find(s.Relation);
            Assert.Equal(relation.Split(4, 0).Train.Samples, lre.Info.TrainingSamples);
            Assert.Equal(IclPrompt.Template(relation.PromptTemplate, lre.Info.TrainingSamples, lm.PromptPrefix), lre.Info.PromptTemplate);
        }
        Assert.Equal(["commonsense", "factual"], summary.Categories.Select(c => c.Category));
        Assert.Contains("Linear (F ≥ 0.6) — 2", run.ConsoleText);
        Assert.Contains("Per category", run.ConsoleText);
    }

    [Fact]
    public void EveryPlottedNumberEqualsSummaryJson()
    {
        string html = File.ReadAllText(Folder.ReportPath);
        var summaryJson = JsonNode.Parse(File.ReadAllText(Folder.SummaryPath))!;
        var summary = Folder.LoadSummary();
        var plotted = ReportValues.Plotted(html);
        Assert.NotEmpty(plotted);
        foreach (var (pointer, value) in plotted)
        {
            var node = ReportValues.Resolve(summaryJson, pointer);
            Assert.True(node is not null, $"{pointer} is plotted but not in summary.json");
            Assert.Equal(node!.GetValue<double>(), value);
        }

        // and every figure shows everything it should
        var pointers = plotted.Select(p => p.Pointer).ToHashSet();
        for (int i = 0; i < summary.Relations.Count; i++)
        {
            foreach (var metric in new[] { "faithfulness", "causality", "chance" })
                Assert.Contains($"/relations/{i}/{metric}", pointers);
            for (int j = 0; j < summary.Relations[i].Layers.Count; j++)
            {
                Assert.Contains($"/relations/{i}/layers/{j}/faithfulness", pointers);
                Assert.Contains($"/relations/{i}/layers/{j}/causality", pointers);
            }
        }
        for (int c = 0; c < summary.Categories.Count; c++)
        {
            foreach (var key in summary.Categories[c].FaithfulnessBaselines.Keys) Assert.Contains($"/categories/{c}/faithfulness_baselines/{key}", pointers);
            foreach (var key in summary.Categories[c].CausalityBaselines.Keys) Assert.Contains($"/categories/{c}/causality_baselines/{key}", pointers);
        }
        Assert.Equal(["Identity", "LinearRegression", "Translation"], summary.Categories[0].FaithfulnessBaselines.Keys.Order());
        Assert.Equal(["e", "o'", "s'"], summary.Categories[0].CausalityBaselines.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(2, ReportValues.WithClass(html, "bar-f").Count);
        Assert.Equal(2, ReportValues.WithClass(html, "point").Count);
        Assert.Null(summary.PearsonR);   // two relations: undefined, and said so rather than plotted
        Assert.Contains("Pearson R undefined", html);
    }

    [Fact]
    public void TheReportIsSelfContainedAndHasEveryFigureTitledAndLabelled()
    {
        string html = File.ReadAllText(Folder.ReportPath);
        Assert.DoesNotContain("http", html);
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain(" src=", html);
        Assert.DoesNotContain("<link", html);
        foreach (var id in new[] { "fig-relations", "fig-scatter", "fig-layers", "fig-baselines", "fig-lens", "linearity" })
            Assert.Contains($"id=\"{id}\"", html);
        // 5 summary figures with a legend each, and one lens heat map per relation with a colour bar
        Assert.Equal(7, CountOf(html, "<svg "));
        Assert.Equal(7, CountOf(html, "font-family=\"sans-serif\"><title>"));   // each opens with its title
        Assert.Equal(5, CountOf(html, "class=\"legend\""));
        Assert.Equal(2, CountOf(html, "<title>Attribute lens"));
        Assert.Equal(2, CountOf(html, ">p(top-1 token)<"));
        foreach (var label in new[] { "faithfulness (recall@1)", "causality (edit success)", "layer", "prompt token (input position)", "p(top-1 token)", "chance Σp(o)²" })
            Assert.Contains(label, html);
        Assert.Contains("<ul class=\"linear\"><li>linear anthem", html);
    }

    private static int CountOf(string s, string what) => (s.Length - s.Replace(what, "").Length) / what.Length;

    [Fact]
    public void LensHeatMapsShowTheSavedLreAppliedToAKnownTestSubject()
    {
        string html = File.ReadAllText(Folder.ReportPath);
        var cells = ReportValues.WithClass(html, "lens-cell");
        Assert.NotEmpty(cells);
        using var lm = LinearWorldRun.Load();
        var records = Folder.LoadRecords();
        foreach (var s in Folder.LoadSummary().Relations)
        {
            using var lre = Folder.LoadLre(s.Relation, lm);
            // the example subject: the first one the sweep scored at this layer in the LRE's trial (trial 0)
            var subject = records.First(r => r.Relation == s.Relation && r.Metric == SweepMetrics.SampleFaithfulness && r.Trial == 0 && r.Layer == lre.Layer).Subject!;
            Assert.DoesNotContain(lre.Info.TrainingSamples, t => t.Subject == subject);
            var lens = AttributeLens.Run(lm, IclPrompt.FillQuery(lre.Info.PromptTemplate, subject), lre, 3);
            Assert.Contains($"subject “{subject}”", html);
            // the last prompt token's cells, one per layer, with the same top-1 and probability
            int last = lens.Tokens.Length - 1;
            for (int row = 0; row < lens.Layers.Length; row++)
            {
                var cell = cells.Single(c => c["data-col"] == last.ToString(CultureInfo.InvariantCulture) && c["data-layer"] == lens.Layers[row]
                                             && c.ContainsKey("data-top1") && Near(c, lens.Cells[row][last]));
                Assert.Equal(lens.Cells[row][last].Tokens[0], cell["data-top1"]);
            }
        }
    }

    private static bool Near(Dictionary<string, string> cell, LensCell expected) =>
        Math.Abs(float.Parse(cell["data-p"], CultureInfo.InvariantCulture) - expected.Probabilities[0]) < 1e-6;

    [Fact]
    public void ReportCommandReRendersTheSameSummaryWithoutTheModel()
    {
        // copy the run folder, so this test cannot disturb the others sharing it
        string copy = Path.Combine(TestPaths.NewTempDir("report"), "out");
        CopyDirectory(run.Output, copy);
        string before = File.ReadAllText(Path.Combine(copy, "summary.json"));
        File.Delete(Path.Combine(copy, "report.html"));
        var console = new StringWriter();
        // run.json names an in-memory model: neither tokenizer nor model can be loaded
        var command = new Cli.Commands.ReportCommand(dir => Relens.Models.LanguageModel.Load(dir), console);
        Assert.Equal(0, command.Run(["--results", copy]));
        Assert.Equal(before, File.ReadAllText(Path.Combine(copy, "summary.json")));
        string html = File.ReadAllText(Path.Combine(copy, "report.html"));
        Assert.Contains("Lens heat maps skipped", html);
        Assert.Contains("chance baselines are those of the previous summary.json", html);
        Assert.Empty(ReportValues.WithClass(html, "lens-cell"));
        Assert.NotEmpty(ReportValues.Plotted(html));

        // with the model: the lens is back, and the summary is unchanged
        var withModel = new Cli.Commands.ReportCommand(_ => LinearWorldRun.Load(), new StringWriter());
        Assert.Equal(0, withModel.Run(["--results", copy, "--model", TestPaths.Golden("gpt2-tiny")]));   // same tokenizer as the linear world
        Assert.Equal(before, File.ReadAllText(Path.Combine(copy, "summary.json")));
        Assert.Equal(2, withModel.LastResult!.LensExamples);
    }

    [Fact]
    public void EvalOfASavedLreReproducesItsTrialInTheSweep()
    {
        var summary = Folder.LoadSummary();
        var records = Folder.LoadRecords();
        foreach (var s in summary.Relations)
        {
            var eval = new Cli.Commands.EvalCommand(_ => LinearWorldRun.Load(), new StringWriter());
            var ranks = string.Join(",", records.Where(r => r.Relation == s.Relation && r.Metric == SweepMetrics.Causality && r.Trial == 0 && r.Layer?.ToString() == s.CausalityBestLayer)
                .Select(r => r.Rank!.Value));
            Assert.Equal(0, eval.Run(["--lre", Folder.LrePrefix(s.Relation), "--model", LinearWorldRun.ModelName, "--relations", run.RelationsDir, "--ranks", ranks, "--json"]));
            var e = eval.LastResult!;
            // the LRE was estimated on trial 0's split, so its test set is trial 0's and the numbers must match the records
            double Record(string metric, int? rank = null) => records.Single(r => r.Relation == s.Relation && r.Trial == 0 && r.Layer?.ToString() == s.CausalityBestLayer
                && r.Metric == metric && (metric != SweepMetrics.Recall(1) || r.Beta == 1.0) && r.Rank == rank).Value;
            Assert.Equal(Record(SweepMetrics.Recall(1)), e.Recall![0], 9);
            // edit targets are drawn in a different sample order than the sweep's, so only the exact case must agree:
            // at full rank the exactly linear model's edits all succeed, in the sweep and here
            Assert.Equal(1.0, Record(SweepMetrics.Causality, 16));
            Assert.Equal(1.0, e.Causality.Single(c => c.Rank == 16).Causality);
            Assert.Equal(ranks.Split(',').Select(int.Parse), e.Causality.Select(c => c.Rank));
        }
    }

    internal static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
