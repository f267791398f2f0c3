using Relens.Checkpoints;
using Relens.Models;
using TorchSharp;

namespace Relens.Tests.Models;

/// <summary>A checkpoint split into many shards (model.safetensors.index.json) loads to the very same model.</summary>
[Trait(TestCategories.Name, TestCategories.Golden)]
public class ShardedCheckpointTests
{
    public static TheoryData<string> Models => new() { "gpt2-tiny", "gptj-tiny", "neox-tiny", "llama-tiny", "qwen2-tiny", "gemma2-tiny", "phi3-tiny" };

    [Theory, MemberData(nameof(Models))]
    public void ShardedCheckpointGivesTheSameOutputsAsTheSingleFile(string model)
    {
        long total;
        using (var single = CheckpointLoader.Open(TestPaths.Golden(model))) total = single.TotalBytes;
        string dir = ModelFolders.Rewrite(model, "sharded", maxShardBytes: total / 20); // the embedding alone is most of a tiny model
        int shards = Directory.EnumerateFiles(dir, "model-*-of-*.safetensors").Count();
        Assert.True(shards >= 3, $"expected several shards, got {shards}");
        Assert.True(File.Exists(Path.Combine(dir, CheckpointLoader.IndexFileName)));
        Assert.False(File.Exists(Path.Combine(dir, CheckpointLoader.SingleFileName)));

        using var scope = torch.NewDisposeScope();
        using var fromSingle = LanguageModel.Load(TestPaths.Golden(model));
        using var fromShards = LanguageModel.Load(dir);
        const string prompt = "The capital city of Peru is Lima\nThe capital city of Chile is";
        Assert.Equal(0.0, ModelFolders.MaxDiff(ModelFolders.Logits(fromSingle, prompt), ModelFolders.Logits(fromShards, prompt)));
        foreach (var ((name, a), (_, b)) in fromSingle.Model.named_parameters().Zip(fromShards.Model.named_parameters()))
            Assert.True(a.equal(b).all().item<bool>(), $"parameter {name} differs");
    }
}
