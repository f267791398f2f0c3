using System.Text.Json;
using Relens.Checkpoints;
using Relens.Models;
using TorchSharp;

namespace Relens.Editing;

/// <summary>
/// Writes an edited model as an ordinary Hugging Face folder: the source's config.json (tie_word_embeddings
/// false after an untie), one model.safetensors in which every unchanged tensor is the source's stored tensor
/// (same dtype, same bytes) and every changed one is written in its source dtype, and the source's other files
/// (tokenizer files, facts.json, …) copied, except measurements of the source model (accuracy.json, edits.json).
/// Everything goes to a temporary folder beside the target, which is moved into place only when complete.
/// </summary>
public static class EditedFolder
{
    private static readonly HashSet<string> NotCopied = new(StringComparer.Ordinal)
    {
        "config.json", CheckpointLoader.SingleFileName, CheckpointLoader.IndexFileName, "accuracy.json", EditsJson.FileName,
    };

    /// <summary>A fresh temporary folder beside <paramref name="target"/> (same file system, so the final move is a rename).</summary>
    public static string Staging(string target)
    {
        target = Path.GetFullPath(target);
        string parent = Path.GetDirectoryName(target)!;
        string temp = Path.Combine(parent, $".{Path.GetFileName(target)}.tmp-{Guid.NewGuid():N}"[..^24]);
        try { Directory.CreateDirectory(temp); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw RelensException.InFile(parent, $"cannot create a folder here for --out ({e.Message})"); }
        return temp;
    }

    /// <summary>Checks before any work that <paramref name="target"/> can be created (absent or an empty folder) and its parent written.</summary>
    public static void CheckTarget(string target)
    {
        target = Path.GetFullPath(target);
        if (File.Exists(target)) throw RelensException.InFile(target, "--out is a file; give a folder that does not exist yet");
        if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any())
            throw RelensException.InFile(target, "--out already holds files; give a new folder (nothing is overwritten)");
        string temp = Staging(target);
        Directory.Delete(temp);
    }

    public static void Write(string sourceDir, string dir, WeightChanges changes)
    {
        var config = ModelConfig.Load(sourceDir);
        var architecture = ModelRegistry.Get(config);
        var json = (System.Text.Json.Nodes.JsonObject)config.Json.DeepClone();
        if (changes.Untied) json["tie_word_embeddings"] = false;
        File.WriteAllText(Path.Combine(dir, "config.json"), json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

        using var scope = torch.NewDisposeScope();
        using var checkpoint = CheckpointLoader.Open(sourceDir);
        var keyOf = changes.Values.Keys.ToDictionary(name => name,
            name => architecture.CheckpointKeys(name).FirstOrDefault(checkpoint.Contains) ?? name);
        var changedKeys = keyOf.ToDictionary(kv => kv.Value, kv => kv.Key);
        var tensors = new List<(string, torch.Tensor)>();
        foreach (var key in checkpoint.TensorNames)
        {
            if (changes.Untied && key == WeightChanges.UntiedHeadName) continue;   // a stale tied copy some exporters keep
            var stored = checkpoint.Entry(key).ScalarType;
            tensors.Add((key, changedKeys.TryGetValue(key, out var name) ? changes.Values[name].to(stored) : checkpoint.Load(key)));
        }
        foreach (var (name, key) in keyOf.Where(kv => !checkpoint.Contains(kv.Value)))
            tensors.Add((key, changes.Values[name].to(DefaultDType(checkpoint, changes.Values[name].dtype))));
        SafetensorsWriter.Write(Path.Combine(dir, CheckpointLoader.SingleFileName), tensors, checkpoint.Metadata);

        foreach (var file in Directory.EnumerateFiles(sourceDir))
            if (!NotCopied.Contains(Path.GetFileName(file)) && !file.EndsWith(".safetensors", StringComparison.Ordinal))
                File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
    }

    /// <summary>A new tensor (the untied head) takes the checkpoint's floating dtype.</summary>
    private static torch.ScalarType DefaultDType(ICheckpoint checkpoint, torch.ScalarType fallback) =>
        checkpoint.TensorNames.Select(n => checkpoint.Entry(n).ScalarType).FirstOrDefault(t => torch.is_floating_point(torch.empty(0, dtype: t)), fallback);

    /// <summary>Moves the finished staging folder to <paramref name="target"/>.</summary>
    public static void Publish(string staging, string target)
    {
        target = Path.GetFullPath(target);
        if (Directory.Exists(target)) Directory.Delete(target);   // CheckTarget allowed only an empty one
        Directory.Move(staging, target);
    }

    public static void Discard(string staging)
    {
        try { if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
