using Relens.Checkpoints;
using static TorchSharp.torch;

namespace Relens.Tests.Checkpoints;

/// <summary>Folder-level problems: which files a checkpoint folder has and what its index claims.</summary>
[Trait(TestCategories.Name, TestCategories.Golden)]
public class CheckpointFolderTests
{
    private static RelensException Refused(string path, string mentions)
    {
        var e = Assert.Throws<RelensException>(() => CheckpointLoader.Open(path).Dispose());
        Assert.Contains(mentions, e.Message);
        return e;
    }

    /// <summary>A two-shard checkpoint written by the library, to break in different ways.</summary>
    private static string ShardedFolder(string tag)
    {
        using var scope = NewDisposeScope();
        string dir = TestPaths.NewTempDir(tag);
        SafetensorsWriter.WriteSharded(dir, [("a", ones(4)), ("b", zeros(2)), ("c", ones(2))], maxShardBytes: 16);
        Assert.True(File.Exists(Path.Combine(dir, "model-00002-of-00002.safetensors")));
        return dir;
    }

    [Fact]
    public void MissingTensorNamesTheFolderAndTheTensor()
    {
        string dir = TestPaths.Golden("gpt2-tiny");
        using var checkpoint = CheckpointLoader.Open(dir);
        var e = Assert.Throws<RelensException>(() => checkpoint.Load("transformer.h.99.mlp.c_fc.weight", ScalarType.Float32));
        Assert.Contains(dir, e.Message);
        Assert.Contains("no tensor 'transformer.h.99.mlp.c_fc.weight'", e.Message);
        Assert.False(checkpoint.Contains("transformer.h.99.mlp.c_fc.weight"));
    }

    [Fact]
    public void FolderWithoutACheckpointSaysWhatWasLookedFor()
    {
        string dir = TestPaths.NewTempDir("ck-empty");
        File.WriteAllText(Path.Combine(dir, "config.json"), "{}");
        var e = Refused(dir, "looked for model.safetensors and model.safetensors.index.json");
        Assert.Contains(dir, e.Message);
    }

    [Fact]
    public void FolderWithOnlyPytorchBinIsRefusedWithTheConversionHint()
    {
        string dir = TestPaths.NewTempDir("ck-bin");
        File.WriteAllBytes(Path.Combine(dir, "pytorch_model.bin"), [0x80, 0x02]);
        var e = Refused(dir, "pytorch_model.bin");
        Assert.Contains(".bin checkpoints are not supported", e.Message);
        Assert.Contains("safe_serialization=True", e.Message);
    }

    [Fact]
    public void MissingFolderIsRefused() =>
        Refused(Path.Combine(TestPaths.NewTempDir("ck-none"), "nope"), "no such checkpoint folder or file");

    [Fact]
    public void IndexNamingAMissingShardIsRefused()
    {
        string dir = ShardedFolder("ck-noshard");
        string shard = Directory.GetFiles(dir, "model-00002-of-*.safetensors").Single();
        File.Delete(shard);
        var e = Refused(dir, Path.Combine(dir, CheckpointLoader.IndexFileName));
        Assert.Contains($"weight_map names shard '{Path.GetFileName(shard)}'", e.Message);
        Assert.Contains("which does not exist", e.Message);
    }

    [Fact]
    public void IndexPuttingATensorInTheWrongShardIsRefused()
    {
        string dir = ShardedFolder("ck-wrongshard");
        string index = Path.Combine(dir, CheckpointLoader.IndexFileName);
        File.WriteAllText(index, File.ReadAllText(index).Replace("\"c\": \"model-00002-of-00002", "\"c\": \"model-00001-of-00002"));
        Refused(dir, "weight_map puts tensor 'c' in 'model-00001-of-00002.safetensors', but that shard does not contain it");
    }

    [Theory]
    [InlineData("not json", "is not valid JSON")]
    [InlineData("""{"metadata": {}}""", "has no \"weight_map\" object")]
    [InlineData("""{"weight_map": {}}""", "weight_map is empty")]
    [InlineData("""{"weight_map": {"a": "../model.safetensors"}}""", "is '../model.safetensors', not a file name in the checkpoint folder")]
    [InlineData("""{"weight_map": {"a": 3}}""", "weight_map entry for 'a' is JSON Number")]
    public void BrokenIndexIsRefused(string index, string problem)
    {
        string dir = TestPaths.NewTempDir("ck-index");
        File.WriteAllText(Path.Combine(dir, CheckpointLoader.IndexFileName), index);
        var e = Refused(dir, problem);
        Assert.Contains(Path.Combine(dir, CheckpointLoader.IndexFileName), e.Message);
    }

    [Fact]
    public void ABrokenShardIsNamedInTheError()
    {
        string dir = ShardedFolder("ck-badshard");
        string shard = Directory.GetFiles(dir, "model-00001-of-*.safetensors").Single();
        using (var f = new FileStream(shard, FileMode.Open)) f.SetLength(f.Length - 1);
        Refused(dir, shard + ": tensor");
    }

    [Fact]
    public void FileTruncatedAfterOpeningIsReportedAtLoad()
    {
        string dir = ShardedFolder("ck-shrunk");
        using var checkpoint = CheckpointLoader.Open(dir);
        var entry = checkpoint.Entry("c");
        using (var f = new FileStream(entry.File, FileMode.Open, FileAccess.Write, FileShare.ReadWrite)) f.SetLength(f.Length - 4);
        var e = Assert.Throws<RelensException>(() => checkpoint.Load("c", ScalarType.Float32));
        Assert.Contains(entry.File, e.Message);
        Assert.Contains("while reading tensor 'c'", e.Message);
    }
}
