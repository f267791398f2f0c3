using System.Text.Json.Nodes;
using Relens.Cli.Commands;
using Relens.Models;
using Relens.Relations;
using Relens.Reporting;
using Relens.Sweeps;
using Relens.Tests.Runs;
using Relens.Tests.Web;

namespace Relens.Tests.Tracing;

/// <summary>
/// `relens trace --relation A --relation B` and `relens run --trace` on gpt2-tiny, with two relations whose test
/// objects are the model's own answers under trial 0's 3-shot prompts (so their test facts are known).
/// </summary>
[Trait(TestCategories.Name, TestCategories.Golden)]
public class RelationTraceCliTests
{
    private const int Shots = 3;
    private static readonly string Gpt2 = TestPaths.Golden("gpt2-tiny");
    private static readonly string[] Names = ["country capital city", "adjective antonym"];

    private static string KnownRelations()
    {
        using var lm = LanguageModel.Load(Gpt2);
        var dataset = RelationDataset.Load(TestPaths.Relations);
        var relations = Names.Select(n => TinyRun.WithModelAnswers(lm, dataset.Find(n), Shots, seed: 0)).ToList();
        return TinyRelations.WriteFolder(TestPaths.NewTempDir("trace-relations"),
            relations.Select(r => (r.Category, r.Name, r.PromptTemplate, (IReadOnlyList<RelationSample>)r.Samples)).ToArray());
    }

    [Fact]
    public void TwoRelationsInOneTraceCommand()
    {
        // the reported bug: the second relation stopped with "The node already has a parent" (one settings node in two files)
        string relations = KnownRelations(), outDir = TestPaths.NewTempDir("trace-two");
        var output = new StringWriter();
        var command = new TraceCommand(null, output);
        int code = command.Run(["--model", Gpt2, "--relations", relations, "--relation", Names[0], "--relation", Names[1], "--shots", $"{Shots}",
            "--samples", "2", "--max-facts", "2", "--window", "1", "--knockout-window", "1", "--kind", "state,knockout", "--out", outDir]);
        Assert.Equal(0, code);
        Assert.Equal(Names, command.LastRelations.Select(r => r.Relation));
        foreach (var name in Names)
        {
            var json = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, TraceCommand.FileStem(name) + ".trace.json")))!;
            Assert.Equal(name, json["relation"]!.GetValue<string>());
            Assert.Equal(2, json["known_traced"]!.GetValue<int>());
            Assert.Equal(4, json["settings"]!["layers"]!.GetValue<int>());
            Assert.Equal(4, json["knockout"]!["window"]!.AsArray().Count);
            Assert.True(File.Exists(Path.Combine(outDir, TraceCommand.FileStem(name) + ".state.png")));
        }
    }

    [Fact]
    public void RunWithTraceAddsTheMapsToTheReport()
    {
        string relations = KnownRelations(), outDir = Path.Combine(TestPaths.NewTempDir("run-trace"), "out");
        var output = new StringWriter();
        int code = new RunCommand(null, output).Run(["--model", Gpt2, "--relations", relations, "--trials", "1", "--shots", $"{Shots}",
            "--layers", "1", "--betas", "1", "--ranks", "0,16", "--no-progress", "--out", outDir,
            "--trace", "--trace-facts", "2", "--trace-samples", "2", "--trace-window", "1", "--trace-kind", "state,knockout"]);
        Assert.True(code == 0, output.ToString());
        var folder = new RunFolder(outDir);
        var records = folder.LoadRecords();
        foreach (var name in Names)
        {
            var json = JsonNode.Parse(File.ReadAllText(folder.TracePath(name)))!;
            var traced = json["facts"]!.AsArray().Select(f => f!["subject"]!.GetValue<string>()).ToList();
            Assert.Equal(2, traced.Count);
            // the same known-fact filter and prompts as the sweep: the traced subjects are trial 0's known test facts, in order
            var known = records.Where(r => r.Relation == name && r.Trial == 0 && r.Metric == SweepMetrics.SampleFaithfulness && r.Layer == LayerRef.At(1))
                .Select(r => r.Subject!).Distinct().ToList();
            Assert.Equal(known.Take(2), traced);
            Assert.Equal(1, json["settings"]!["window"]!.GetValue<int>());
        }
        string html = File.ReadAllText(folder.ReportPath);
        Assert.Contains("id=\"fig-trace\"", html);
        var section = html[html.IndexOf("id=\"fig-trace\"", StringComparison.Ordinal)..];
        section = section[..section.IndexOf("</section>", StringComparison.Ordinal)];
        foreach (var name in Names) Assert.Contains($"<h3>{name}</h3>", section);
        Assert.Equal(2 * Names.Length, section.Split("<svg").Length - 1);   // state + knockout per relation

        // `relens report` re-renders the maps from traces/ without tracing again
        File.Delete(folder.ReportPath);
        Assert.Equal(0, new ReportCommand(null, new StringWriter()).Run(["--results", outDir, "--relations", relations, "--no-lens"]));
        Assert.Contains("id=\"fig-trace\"", File.ReadAllText(folder.ReportPath));
    }

    [Fact]
    public void TraceBenchmarkRunsBothLayoutsOnTheSameFacts()
    {
        using var lm = LanguageModel.Load(Gpt2);
        var relation = TinyRun.WithModelAnswers(lm, RelationDataset.Load(TestPaths.Relations).Find(Names[0]), Shots, seed: 0);
        var r = Relens.Benchmarks.TraceBenchmark.Run(lm, relation, maxFacts: 2, samples: 2, shots: Shots, _ => { });
        Assert.Equal(2, r.Facts);
        Assert.True(r.OneAtATimePasses > r.BatchedPasses, $"{r.OneAtATimePasses} vs {r.BatchedPasses} passes");
        // one restoration per pass: a pass per restored state, plus per fact its clean run, corrupted run and cached prefixes
        Assert.True(r.OneAtATimePasses >= r.Cells);
        // the same noise in both layouts: the maps differ only by float32 rounding of different batch shapes
        Assert.True(r.MaxDifference < 1e-5, $"max difference {r.MaxDifference}");
    }

    [Fact]
    public void TraceOptionsNeedTrace()
    {
        var e = Assert.Throws<RelensException>(() => new RunCommand(_ => throw new InvalidOperationException("no model should load"), new StringWriter())
            .Run(["--trace-facts", "3", "--out", TestPaths.NewTempDir("run-trace-err")]));
        Assert.Contains("--trace-facts goes with --trace", e.Message);
        e = Assert.Throws<RelensException>(() => new RunCommand(_ => throw new InvalidOperationException("no model should load"), new StringWriter())
            .Run(["--trace", "--trace-facts", "0", "--out", TestPaths.NewTempDir("run-trace-err")]));
        Assert.Contains("--trace-facts must be at least 1", e.Message);
        // a window the model does not have fails once the model is loaded, before any sweep
        var output = new StringWriter();
        e = Assert.Throws<RelensException>(() => new RunCommand(null, output)
            .Run(["--model", Gpt2, "--relations", TestPaths.Relations, "--only", Names[0], "--trace", "--trace-window", "9", "--no-progress", "--out", Path.Combine(TestPaths.NewTempDir("run-trace-err"), "out")]));
        Assert.Contains("--trace-window 9 is larger than the model (4 layers)", e.Message);
        Assert.DoesNotContain("units computed", output.ToString());
    }
}
