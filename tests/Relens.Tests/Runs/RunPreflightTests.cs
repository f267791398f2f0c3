using Relens.Cli.Commands;
using Relens.Models;
using Relens.Relations;

namespace Relens.Tests.Runs;

/// <summary>`relens run` refuses bad input with a clear message before any long work (and, where it can, before loading the model).</summary>
[Trait(TestCategories.Name, TestCategories.Golden)]
public class RunPreflightTests
{
    private static readonly RelationSample[] Samples =
        Enumerable.Range(0, 12).Select(i => new RelationSample($"thing{i}", i % 2 == 0 ? "red" : "blue")).ToArray();

    private static string Relations()
    {
        var dir = TestPaths.NewTempDir("preflight-relations");
        return TinyRelations.WriteFolder(dir, ("commonsense", "thing colour", "The colour of {} is", Samples));
    }

    /// <summary>A loader that fails the test: the error should have come first.</summary>
    private static LanguageModel NoModel(string dir) => throw new Xunit.Sdk.XunitException($"the model ({dir}) was loaded before the bad input was reported");

    private static RelensException Fails(Func<string, LanguageModel> load, params string[] args) =>
        Assert.Throws<RelensException>(() => new RunCommand(load, new StringWriter()).Run(args));

    private static string NewOut() => Path.Combine(TestPaths.NewTempDir("preflight-out"), "out");

    [Fact]
    public void MissingOrEmptyRelationsFolder()
    {
        var missing = Path.Combine(TestPaths.NewTempDir("preflight"), "nope");
        var e = Fails(NoModel, "--model", "m", "--relations", missing, "--out", NewOut());
        Assert.Contains(missing, e.Message);
        Assert.Contains("does not exist", e.Message);

        var empty = TestPaths.NewTempDir("preflight-empty");
        e = Fails(NoModel, "--model", "m", "--relations", empty, "--out", NewOut());
        Assert.Contains("holds no relation files", e.Message);
    }

    [Fact]
    public void BrokenRelationFileIsNamed()
    {
        var dir = Relations();
        var broken = Path.Combine(dir, "factual", "broken.json");
        // asked for alone (--only, by its file stem), a broken file stops the run before the model loads; among
        // others it is an error for that relation only and the run goes on (DamagedDatasetRunTests)
        TinyRelations.Write(broken, "broken", "{} is", Samples, json => json.Remove("samples"));
        var e = Fails(NoModel, "--model", "m", "--relations", dir, "--only", "broken", "--out", NewOut());
        Assert.Contains(broken, e.Message);
        Assert.Contains("'samples'", e.Message);

        TinyRelations.Write(broken, "broken", "no slot here", Samples);
        e = Fails(NoModel, "--model", "m", "--relations", dir, "--only", "broken", "--out", NewOut());
        Assert.Contains("\"{}\"", e.Message);
    }

    [Fact]
    public void UnknownOnlyNamesAreListedWithSuggestions()
    {
        var e = Fails(NoModel, "--model", "m", "--relations", Relations(), "--only", "thing_color", "nonsense", "--out", NewOut());
        Assert.Contains("'thing_color'", e.Message);
        Assert.Contains("did you mean 'thing colour'", e.Message);
        Assert.Contains("'nonsense'", e.Message);
    }

    [Fact]
    public void OutputFolderMustBeWritableAndNotAnOldRun()
    {
        var parent = TestPaths.NewTempDir("preflight-file");
        var file = Path.Combine(parent, "a-file");
        File.WriteAllText(file, "x");
        var e = Fails(NoModel, "--model", "m", "--relations", Relations(), "--out", Path.Combine(file, "out"));
        Assert.Contains("cannot be written", e.Message);

        var old = TestPaths.NewTempDir("preflight-old");
        File.WriteAllText(Path.Combine(old, "results.jsonl"), "");
        e = Fails(NoModel, "--model", "m", "--relations", Relations(), "--out", old);
        Assert.Contains("pass --resume", e.Message);
        Assert.Contains("another --out", e.Message);
    }

    [Fact]
    public void BadNumbersAndLayerSyntax()
    {
        var rel = Relations();
        Assert.Contains("--trials", Fails(NoModel, "--model", "m", "--relations", rel, "--trials", "0", "--out", NewOut()).Message);
        Assert.Contains("--beta", Fails(NoModel, "--model", "m", "--relations", rel, "--beta", "abc", "--out", NewOut()).Message);
        Assert.Contains("'middle'", Fails(NoModel, "--model", "m", "--relations", rel, "--layers", "emb,middle", "--out", NewOut()).Message);
        Assert.Contains("--betas", Fails(NoModel, "--model", "m", "--relations", rel, "--betas", "1,x", "--out", NewOut()).Message);
        Assert.Contains("unknown option --shot", Fails(NoModel, "--shot", "3").Message);
    }

    [Fact]
    public void NoModelGivenOnRelationsTheDefaultWorldDoesNotKnow()
    {
        // without --model the default world model runs, and it only knows its own world's relations
        var e = Fails(NoModel, "--relations", Relations(), "--out", NewOut());
        Assert.Contains("none of the default world model's relations", e.Message);
        Assert.Contains("--model", e.Message);
    }

    [Fact]
    public void UnsupportedOrMissingModelFolder()
    {
        var model = TestPaths.NewTempDir("preflight-model");
        File.WriteAllText(Path.Combine(model, "config.json"), """{"model_type": "mamba"}""");
        var output = NewOut();
        var e = Fails(dir => LanguageModel.Load(dir), "--model", model, "--relations", Relations(), "--out", output);
        Assert.Contains("unsupported model_type 'mamba'", e.Message);
        Assert.False(Directory.Exists(output));   // nothing written before the model was checked (the write probe cleans up)

        e = Fails(dir => LanguageModel.Load(dir), "--model", Path.Combine(model, "missing"), "--relations", Relations(), "--out", NewOut());
        Assert.Contains("model folder does not exist", e.Message);
    }

    [Fact]
    public void ChecksAgainstTheModel()
    {
        var rel = Relations();
        var e = Fails(_ => LinearWorldRun.Load(), "--model", "m", "--relations", rel, "--layers", "emb,0,5,7", "--out", NewOut());
        Assert.Contains("layers 5, 7 do not exist", e.Message);
        Assert.Contains("2 blocks", e.Message);

        e = Fails(_ => LinearWorldRun.Load(), "--model", "m", "--relations", rel, "--shots", "12", "--out", NewOut());
        Assert.Contains("'thing colour' (12 samples)", e.Message);

        e = Fails(_ => LinearWorldRun.Load(), "--model", "m", "--relations", rel, "--ranks", "0,17", "--out", NewOut());
        Assert.Contains("rank 17 is larger than d = 16", e.Message);
    }
}
