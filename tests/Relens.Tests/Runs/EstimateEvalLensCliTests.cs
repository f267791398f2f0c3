using System.Text.Json;
using System.Text.Json.Nodes;
using Relens.Checkpoints;
using Relens.Cli.Commands;
using Relens.Lre;
using Relens.Models;
using Relens.Relations;

namespace Relens.Tests.Runs;

/// <summary>`relens estimate`, `eval` and `lens` on the tiny GPT-2 checkpoint: outputs, and each bad input's message.</summary>
[Trait(TestCategories.Name, TestCategories.Golden)]
public class EstimateEvalLensCliTests
{
    private static string Gpt2 => TestPaths.Golden("gpt2-tiny");

    private static string Estimate(string outPrefix, params string[] more)
    {
        var command = new EstimateCommand(null, new StringWriter());
        Assert.Equal(0, command.Run(["--model", Gpt2, "--relation", "country capital city", "--relations", TestPaths.Relations, "--layer", "2", "--out", outPrefix, .. more]));
        return command.LastPrefix!;
    }

    [Fact]
    public void EstimateWithTrainSubjectsSavesExactlyThoseSamplesTheTemplateAndPhaseTimings()
    {
        var dir = TestPaths.NewTempDir("estimate");
        var subjects = Path.Combine(dir, "train.txt");
        File.WriteAllLines(subjects, ["Japan", "France", "", "Peru  "]);
        string prefix = Estimate(Path.Combine(dir, "lre"), "--train-subjects", subjects, "--beta", "3");

        var json = JsonNode.Parse(File.ReadAllText(prefix + ".json"))!;
        var relation = RelationDataset.Load(TestPaths.Relations).Find("country capital city");
        var train = new[] { "Japan", "France", "Peru" }.Select(s => relation.Samples.First(x => x.Subject == s)).ToList();
        Assert.Equal(["Japan", "France", "Peru"], json["training_samples"]!.AsArray().Select(s => s!["Subject"]!.GetValue<string>()));
        Assert.Equal(IclPrompt.Template(relation.PromptTemplate, train, "<|endoftext|>"), json["prompt_template"]!.GetValue<string>());
        Assert.Equal("2", json["layer"]!.GetValue<string>());
        Assert.Equal(3.0, json["beta"]!.GetValue<double>());
        var timing = json["timing_s"]!.AsObject();
        Assert.Equal(["forward", "jacobian", "jacobian_pass", "jacobian_pass_cpu", "total"], timing.Select(t => t.Key).Order());
        Assert.True(timing["forward"]!.GetValue<double>() > 0 && timing["jacobian"]!.GetValue<double>() > 0);
        Assert.True(timing["forward"]!.GetValue<double>() + timing["jacobian"]!.GetValue<double>() <= timing["total"]!.GetValue<double>() + 1e-3);

        using var file = CheckpointLoader.Open(prefix + ".safetensors");
        using var weight = file.Load("weight", TorchSharp.torch.ScalarType.Float32);
        using var bias = file.Load("bias", TorchSharp.torch.ScalarType.Float32);
        Assert.Equal([64L, 64L], weight.shape);
        Assert.Equal([64L], bias.shape);

        // the same samples through the library give the same W (unscaled: β is stored, not applied)
        using var lm = LanguageModel.Load(Gpt2);
        using var direct = LreEstimator.Estimate(lm, relation.Name, relation.PromptTemplate, train, LayerRef.At(2), 1.0);
        Assert.True(TorchSharp.torch.allclose(direct.Weight, weight, 1e-5, 1e-6));
    }

    [Fact]
    public void EstimateWithoutSubjectsUsesTheSeededSplit()
    {
        var dir = TestPaths.NewTempDir("estimate-split");
        string prefix = Estimate(Path.Combine(dir, "lre"), "--shots", "3", "--seed", "5");
        var meta = JsonSerializer.Deserialize<LinearRelationFile.Metadata>(File.ReadAllText(prefix + ".json"))!;
        var relation = RelationDataset.Load(TestPaths.Relations).Find("country capital city");
        Assert.Equal(relation.Split(3, 5).Train.Samples, meta.TrainingSamples);
    }

    [Fact]
    public void EstimateReportsBadInput()
    {
        var dir = TestPaths.NewTempDir("estimate-bad");
        RelensException Fails(params string[] args) =>
            Assert.Throws<RelensException>(() => new EstimateCommand(null, new StringWriter()).Run([.. args, "--out", Path.Combine(dir, "x")]));
        var samples = Enumerable.Range(0, 6).Select(i => new RelationSample($"Thing{i}", "red")).ToArray();

        var noSamples = Path.Combine(dir, "no_samples.json");
        TinyRelations.Write(noSamples, "no samples", "{} is", samples, j => j.Remove("samples"));
        var e = Fails("--model", Gpt2, "--relation", noSamples, "--layer", "0");
        Assert.Contains(noSamples, e.Message);
        Assert.Contains("missing required field 'samples'", e.Message);

        var noSlot = Path.Combine(dir, "no_slot.json");
        TinyRelations.Write(noSlot, "no slot", "The colour is", samples);
        Assert.Contains("exactly one \"{}\" subject slot", Fails("--model", Gpt2, "--relation", noSlot, "--layer", "0").Message);

        var subjects = Path.Combine(dir, "subjects.txt");
        File.WriteAllLines(subjects, ["Japan", "Atlantis"]);
        e = Fails("--model", Gpt2, "--relation", "country capital city", "--relations", TestPaths.Relations, "--layer", "0", "--train-subjects", subjects);
        Assert.Contains("no sample with subject 'Atlantis'", e.Message);

        e = Fails("--model", Gpt2, "--relation", "country capital city", "--relations", TestPaths.Relations, "--layer", "0", "--shots", "30");
        Assert.Contains("--shots 30 is more than relation 'country capital city' has samples (24)", e.Message);

        e = Fails("--model", Gpt2, "--relation", "country capital city", "--relations", TestPaths.Relations, "--layer", "4");
        Assert.Contains("layer 4 does not exist", e.Message);

        e = Fails("--model", Gpt2, "--relation", "country capital cty", "--relations", TestPaths.Relations, "--layer", "0");
        Assert.Contains("did you mean 'country capital city'", e.Message);

        e = Fails("--model", Gpt2, "--relation", Path.Combine(dir, "missing.json"), "--layer", "0");
        Assert.Contains("relation file not found", e.Message);
    }

    [Fact]
    public void EvalPrintsJsonAndRefusesBadRanksAndOtherModels()
    {
        var dir = TestPaths.NewTempDir("eval");
        string prefix = Estimate(Path.Combine(dir, "lre"), "--shots", "4");
        var output = new StringWriter();
        var eval = new EvalCommand(null, output);
        Assert.Equal(0, eval.Run(["--lre", prefix, "--relations", TestPaths.Relations, "--ranks", "0,8,full", "--json"]));   // model from the LRE's JSON
        var json = JsonNode.Parse(output.ToString())!;
        Assert.Equal(20, json["n_test"]!.GetValue<int>());
        Assert.Equal(eval.LastResult!.KnownSamples, json["n_known"]!.GetValue<int>());
        // the random tiny model knows almost nothing: the metrics are undefined or computed over what it knows, never invented
        if (eval.LastResult.KnownSamples == 0) Assert.Null(json["recall"]);
        else Assert.Equal(3, json["recall"]!.AsArray().Count);

        var e = Assert.Throws<RelensException>(() => new EvalCommand(null, new StringWriter()).Run(["--lre", prefix, "--relations", TestPaths.Relations, "--ranks", "8,65"]));
        Assert.Contains("rank 65 is larger than d = 64", e.Message);

        // an LRE of another model (its identity changed): refused on load, naming the file
        var meta = JsonNode.Parse(File.ReadAllText(prefix + ".json"))!;
        meta["model_identity"] = "0123456789abcdef";
        var foreign = Path.Combine(dir, "foreign");
        File.WriteAllText(foreign + ".json", meta.ToJsonString());
        File.Copy(prefix + ".safetensors", foreign + ".safetensors");
        e = Assert.Throws<RelensException>(() => new EvalCommand(null, new StringWriter()).Run(["--lre", foreign, "--relations", TestPaths.Relations]));
        Assert.Contains("estimated on another model", e.Message);
        Assert.Contains(foreign + ".json", e.Message);

        e = Assert.Throws<RelensException>(() => new EvalCommand(null, new StringWriter()).Run(["--lre", Path.Combine(dir, "nothing")]));
        Assert.Contains("missing", e.Message);
    }

    [Fact]
    public void LensShowsEveryLayerAndWritesAnImage()
    {
        var dir = TestPaths.NewTempDir("lens");
        var output = new StringWriter();
        var lens = new LensCommand(null, output);
        string png = Path.Combine(dir, "lens.png");
        Assert.Equal(0, lens.Run(["--lre", "identity", "--model", Gpt2, "--prompt", "The capital city of France is", "--top", "3", "--png", png]));
        var result = lens.LastResult!;
        Assert.Equal(["emb", "0", "1", "2", "3"], result.Layers);
        Assert.Equal("Identity", result.Operator);
        Assert.All(result.Cells.SelectMany(r => r), c => Assert.Equal(3, c.Tokens.Length));
        string text = output.ToString();
        Assert.Contains("Logit lens", text);
        Assert.Contains("·France", text);   // the column header: the prompt token, its space made visible
        // the image: a PNG where SkiaSharp loads, else the SVG fallback (and the output says which)
        if (File.Exists(png)) Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, File.ReadAllBytes(png)[..4]);
        else Assert.Contains("written as SVG", text);

        string prefix = Estimate(Path.Combine(dir, "lre"), "--shots", "3");
        var withLre = new LensCommand(null, new StringWriter());
        Assert.Equal(0, withLre.Run(["--lre", prefix, "--subject", "Chile"]));
        Assert.Equal("LRE", withLre.LastResult!.Operator);
        Assert.EndsWith("The capital city of Chile is", withLre.LastResult.Prompt);

        Assert.Contains("needs --model", Assert.Throws<RelensException>(() => new LensCommand(null, new StringWriter()).Run(["--lre", "identity", "--prompt", "x"])).Message);
        Assert.Contains("--top", Assert.Throws<RelensException>(() => new LensCommand(null, new StringWriter()).Run(["--lre", "identity", "--model", Gpt2, "--prompt", "x", "--top", "0"])).Message);
        Assert.Contains("either --prompt", Assert.Throws<RelensException>(() => new LensCommand(null, new StringWriter()).Run(["--lre", prefix])).Message);
    }
}
