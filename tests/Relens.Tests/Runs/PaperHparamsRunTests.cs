using System.Text.Json;
using Relens.Cli.Commands;
using Relens.Models;
using Relens.Relations;
using Relens.Reporting;
using Relens.Sweeps;

namespace Relens.Tests.Runs;

/// <summary>`relens run --paper-hparams`: each relation runs at the paper's layers, β and rank for its model.</summary>
[Trait(TestCategories.Name, TestCategories.Golden)]
public class PaperHparamsRunTests
{
    // one relation per category, with different layers in the GPT-J hparams
    private static readonly string[] Relations = ["country capital city", "adjective antonym", "fruit inside color", "occupation gender"];

    [Fact]
    public void GptJShapedModelRunsEachRelationAtThePapersLayerAndBeta()
    {
        var root = TestPaths.NewTempDir("paper-hparams");
        string modelDir = Path.Combine(root, "gptj-28");
        // GPT-J's 28 blocks (the hparams use layers up to 27), at a tiny width
        Assert.Equal(0, new ModelInitCommand().Run(["init", "--arch", "gptj", "--layers", "28", "--dim", "32", "--heads", "4",
            "--tokenizer-from", TestPaths.Golden("gptj-tiny"), "--out", modelDir]));
        var output = Path.Combine(root, "out");
        var console = new StringWriter();
        var command = new RunCommand(dir => LanguageModel.Load(dir), console);
        int code = command.Run(["--model", modelDir, "--relations", TestPaths.Relations, "--paper-hparams=gptj", "--trials", "1",
            "--only", string.Join(",", Relations), "--out", output, "--no-progress"]);
        string text = console.ToString();
        Assert.True(code == 0, text);

        var records = new RunFolder(output).LoadRecords();
        var layersSeen = new HashSet<string>();
        int units = 0;
        foreach (var name in Relations)
        {
            var h = PaperHparams.Load(TestPaths.Relations, "gptj", name);
            var settings = records.Single(r => r.Relation == name && r.Metric == SweepMetrics.RelationSettings);
            Assert.Equal(h.Beta, settings.Beta);
            using var note = JsonDocument.Parse(settings.Note!);
            var layers = note.RootElement.GetProperty("layers").EnumerateArray().Select(e => e.GetString()).ToList();
            Assert.Equal(new[] { h.HLayer, h.HLayerEdit }.Distinct().OrderBy(l => l.Block ?? -1).Select(l => l.ToString()), layers);
            Assert.Equal([h.Beta], note.RootElement.GetProperty("betas").EnumerateArray().Select(e => e.GetDouble()));
            Assert.Equal([Math.Min(h.Rank, 32)], note.RootElement.GetProperty("ranks").EnumerateArray().Select(e => e.GetInt32()));
            Assert.Equal(h.HLayerEdit.ToString(), note.RootElement.GetProperty("paper_hparams").GetProperty("h_layer_edit").GetString());
            layersSeen.UnionWith(layers!);
            // the relation's sweep itself counted one unit per (trial × the paper's layers)
            Assert.Contains($"] {name}: {layers.Count} units", text);
            units += layers.Count;
        }
        Assert.True(layersSeen.Count > 2, "the chosen relations should not all share the same layers");

        var info = RunInfo.Load(output);
        Assert.Equal("gptj", info.PaperHparams);
        string report = File.ReadAllText(Path.Combine(output, "report.html"));
        Assert.Contains("paper's F", report);
        Assert.Contains("figures published for GPT-J-6B", report);
        Assert.Contains("hparams    the paper's for gptj: 4 relations", text);
        Assert.Contains($"progress: 4/4 relations, {units}/{units} units", text);
    }

    [Fact]
    public void ConflictsAndUnknownModelsAreUsageErrors()
    {
        var rel = LinearWorldRun.WriteRelations(TestPaths.NewTempDir("paper-hparams-rel"));
        RelensException Fails(params string[] args) =>
            Assert.Throws<RelensException>(() => new RunCommand(_ => LinearWorldRun.Load(), new StringWriter())
                .Run([.. args, "--model", "m", "--relations", rel, "--out", Path.Combine(TestPaths.NewTempDir("paper-hparams-out"), "out")]));

        Assert.Contains("leave out --layers", Fails("--paper-hparams=gptj", "--layers", "emb").Message);
        Assert.Contains("--paper-hparams=gptj|gpt2-xl|llama", Fails("--paper-hparams").Message);   // the linear test model is none of the paper's
        Assert.Contains("unknown model", Fails("--paper-hparams=gpt5").Message);
        Assert.Equal(Fails("--paper-hparams=llama").Message, Fails("--paper-hparams", "llama").Message);
        Assert.Contains("contradict", Fails("--paper-hparams", "--no-paper-hparams").Message);
    }
}
