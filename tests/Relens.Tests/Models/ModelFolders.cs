using System.Text.Json.Nodes;
using Relens.Checkpoints;
using Relens.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Tests.Models;

/// <summary>
/// Rewrites a golden model folder into a temporary one: the same tokenizer files, config.json optionally
/// edited, and the weights converted to another dtype and/or split into shards with the repository's
/// own SafetensorsWriter.
/// </summary>
internal static class ModelFolders
{
    public static string Rewrite(string goldenName, string tag, ScalarType? weightsDtype = null, long? maxShardBytes = null,
        Action<JsonObject>? editConfig = null)
    {
        string source = TestPaths.Golden(goldenName);
        string dir = TestPaths.NewTempDir($"{goldenName}-{tag}");
        foreach (var file in Directory.EnumerateFiles(source))
        {
            string name = Path.GetFileName(file);
            if (name.EndsWith(".safetensors") || name == CheckpointLoader.IndexFileName || name == "golden.json") continue;
            File.Copy(file, Path.Combine(dir, name));
        }
        if (editConfig is not null)
        {
            var config = JsonNode.Parse(File.ReadAllText(Path.Combine(source, "config.json")))!.AsObject();
            editConfig(config);
            File.WriteAllText(Path.Combine(dir, "config.json"), config.ToJsonString());
        }
        if (weightsDtype is null && maxShardBytes is null)
        {
            File.Copy(Path.Combine(source, CheckpointLoader.SingleFileName), Path.Combine(dir, CheckpointLoader.SingleFileName));
            return dir;
        }
        using var scope = torch.NewDisposeScope();
        using var checkpoint = CheckpointLoader.Open(source);
        var tensors = checkpoint.TensorNames
            .Select(n => (n, weightsDtype is { } dt ? checkpoint.Load(n, dt) : checkpoint.Load(n)))
            .ToList();
        if (maxShardBytes is { } max) SafetensorsWriter.WriteSharded(dir, tensors, max);
        else SafetensorsWriter.Write(Path.Combine(dir, CheckpointLoader.SingleFileName), tensors);
        return dir;
    }

    /// <summary>Token ids [1, T] of <paramref name="text"/> as the model's tokenizer encodes it.</summary>
    public static Tensor Ids(LanguageModel lm, string text)
    {
        var ids = lm.Tokenizer.Encode(text).Ids;
        return torch.tensor(ids.Select(i => (long)i).ToArray(), [1, ids.Length], ScalarType.Int64);
    }

    /// <summary>Logits [1, T, V] as float32, without gradients.</summary>
    public static Tensor Logits(LanguageModel lm, string text)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        return lm.Model.Forward(new ForwardInput { InputIds = Ids(lm, text) }).Logits!.to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    public static double MaxDiff(Tensor a, Tensor b)
    {
        using var scope = torch.NewDisposeScope();
        return (a.to(ScalarType.Float64) - b.to(ScalarType.Float64)).abs().max().item<double>();
    }
}
