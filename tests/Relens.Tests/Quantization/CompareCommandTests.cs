using Relens.Cli.Commands;
using Relens.Lre;
using Relens.Models;
using Relens.Relations;
using Relens.Reporting;
using TorchSharp;

namespace Relens.Tests.Quantization;

/// <summary>`relens compare` on two hand-made run folders: the per-relation differences, the files, and its refusals.</summary>
public class CompareCommandTests
{
    private static RunInfo Info(string model, string? quantization, IReadOnlyList<string> relations, int shots = 8) => new()
    {
        ModelDirectory = model, ModelIdentity = "abc", ModelType = "gpt2", NumLayers = 2, HiddenSize = 2, Quantization = quantization,
        RelationsDirectory = "/data", Relations = relations, Shots = shots, Trials = 1, Beta = 2.25, Layers = ["0", "1"],
    };

    private static RelationSummary Relation(string name, double f, double c, double known, string layer) => new()
    {
        Relation = name, Category = "factual", Faithfulness = f, Causality = c, MeanKnown = known, CausalityBestLayer = layer, ValidTrials = 1,
    };

    private static string Folder(RunInfo info, IReadOnlyList<RelationSummary> relations, IReadOnlyDictionary<string, float[]> weights)
    {
        string dir = TestPaths.NewTempDir("compare");
        var folder = new RunFolder(dir);
        info.Save(dir);
        folder.SaveSummary(new RunSummary { Relations = relations });
        Directory.CreateDirectory(folder.LreDirectory);
        foreach (var (name, w) in weights)
        {
            using var scope = torch.NewDisposeScope();
            using var lre = new LinearRelation(torch.tensor(w, [2, 2]), torch.zeros(2), 2.25, LayerRef.At(0),
                new LinearRelationInfo { Relation = name, PromptTemplate = "{} is", TrainingSamples = [new RelationSample("a", "b")], ModelIdentity = "abc" });
            LinearRelationFile.Save(lre, folder.LrePrefix(name));
        }
        return dir;
    }

    [Fact]
    public void PerRelationDifferencesTableCsvAndHtml()
    {
        string[] names = ["capital", "color"];
        string a = Folder(Info("/m/world", null, names), [Relation("capital", 0.8, 0.6, 10, "1"), Relation("color", 0.5, 0.4, 6, "0")],
            new Dictionary<string, float[]> { ["capital"] = [1, 0, 0, 1], ["color"] = [1, 1, 0, 0] });
        string b = Folder(Info("/m/world", "q4_0", names), [Relation("capital", 0.7, 0.65, 9, "1"), Relation("color", 0.25, 0.4, 6, "1")],
            new Dictionary<string, float[]> { ["capital"] = [1, 0, 0, 0], ["color"] = [0, 0, 1, 1] });
        var output = new StringWriter();
        Assert.Equal(0, new CompareCommand(output).Run([a, b]));
        var c = new CompareCommand(new StringWriter());
        c.Run([a, b, "--out", Path.Combine(b, "cmp")]);
        var capital = c.LastResult!.Relations.Single(r => r.Relation == "capital");
        Assert.Equal(-0.1, capital.DeltaFaithfulness!.Value, 12);
        Assert.Equal(0.05, capital.DeltaCausality!.Value, 12);
        Assert.Equal(-1, capital.DeltaKnown!.Value, 12);
        Assert.Equal(1 / Math.Sqrt(2), capital.Cosine!.Value, 6);          // diag(1,1) vs diag(1,0)
        Assert.Equal(1 / Math.Sqrt(2), capital.RelativeChange!.Value, 6);  // ‖diag(0,−1)‖ / ‖I‖
        Assert.False(capital.LayerChanged);
        var color = c.LastResult.Relations.Single(r => r.Relation == "color");
        Assert.Equal(0, color.Cosine!.Value, 12);                           // orthogonal rows
        Assert.True(color.LayerChanged);
        Assert.Contains("q4_0", output.ToString());
        var csv = File.ReadAllLines(Path.Combine(b, "compare.csv"));
        Assert.Equal(RunComparison.CsvHeader, csv[0]);
        Assert.StartsWith("capital,factual,0.8,0.7,-0.1,0.6,0.65,0.05,10,9,-1,1,1,false,0.7071,0.7071", csv[1]);
        string html = File.ReadAllText(Path.Combine(b, "cmp", "compare.html"));
        Assert.Contains("<svg", html);
        Assert.Contains("faithfulness B 0.25", html);
    }

    [Fact]
    public void RunsOfDifferentRelationSetsOrProtocolsAreRefused()
    {
        var empty = new Dictionary<string, float[]>();
        string a = Folder(Info("/m/gpt2", null, ["capital", "color"]), [], empty);
        string b = Folder(Info("/m/world", null, ["capital", "sport"]), [], empty);
        var e = Assert.Throws<RelensException>(() => new CompareCommand(new StringWriter()).Run([a, b]));
        Assert.Contains("different relation sets; only in A: 'color'; only in B: 'sport'", e.Message);
        string c = Folder(Info("/m/gpt2", "q8_0", ["capital", "color"], shots: 4), [], empty);
        var e2 = Assert.Throws<RelensException>(() => new CompareCommand(new StringWriter()).Run([a, c]));
        Assert.Contains("different protocols: --shots (8 vs 4)", e2.Message);
        var e3 = Assert.Throws<RelensException>(() => new CompareCommand(new StringWriter()).Run([a]));
        Assert.Contains("relens compare RUN_A RUN_B", e3.Message);
    }
}
