using Relens.Models;

namespace Relens.Tests.Models;

/// <summary>Bad model folders fail with a message naming the file and the problem.</summary>
[Trait(TestCategories.Name, TestCategories.Golden)]
public class ModelLoadingErrorTests
{
    private static string CopyOfGpt2Tiny(string tag)
    {
        var dir = TestPaths.NewTempDir(tag);
        foreach (var f in Directory.GetFiles(TestPaths.Golden("gpt2-tiny")))
            File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
        return dir;
    }

    [Fact]
    public void UnknownModelTypeListsTheSupportedOnes()
    {
        var dir = CopyOfGpt2Tiny("unknown-type");
        File.WriteAllText(Path.Combine(dir, "config.json"), """{"model_type": "mamba", "vocab_size": 10}""");
        var e = Assert.Throws<RelensException>(() => LanguageModel.Load(dir));
        Assert.Contains("unsupported model_type 'mamba'", e.Message);
        Assert.Contains("gpt2", e.Message);
        Assert.Contains("config.json", e.Message);
    }

    [Fact]
    public void MissingOrMalformedTokenizerJson()
    {
        var dir = CopyOfGpt2Tiny("bad-tokenizer");
        File.Delete(Path.Combine(dir, "tokenizer.json"));
        var e = Assert.Throws<RelensException>(() => LanguageModel.Load(dir));
        Assert.Contains("tokenizer.json", e.Message);
        File.WriteAllText(Path.Combine(dir, "tokenizer.json"), "{ not json");
        e = Assert.Throws<RelensException>(() => LanguageModel.Load(dir));
        Assert.Contains(Path.Combine(dir, "tokenizer.json"), e.Message);
    }

    [Fact]
    public void MissingConfigAndMismatchedShapes()
    {
        var dir = CopyOfGpt2Tiny("bad-config");
        var config = File.ReadAllText(Path.Combine(dir, "config.json"));
        File.Delete(Path.Combine(dir, "config.json"));
        Assert.Contains("config.json", Assert.Throws<RelensException>(() => LanguageModel.Load(dir)).Message);
        File.WriteAllText(Path.Combine(dir, "config.json"), config.Replace("\"n_embd\": 64", "\"n_embd\": 128"));
        var e = Assert.Throws<RelensException>(() => LanguageModel.Load(dir));
        Assert.Contains("shape", e.Message);
        Assert.Contains("model.safetensors", e.Message);
    }
}
