using System.Text.Json;

namespace Relens.Checkpoints;

/// <summary>
/// Reads a Hugging Face <c>model.safetensors.index.json</c>: <c>{"metadata": {...}, "weight_map": {tensor: shard file}}</c>.
/// Only the weight map matters for loading; shard names must be plain file names in the index's folder.
/// </summary>
internal static class ShardIndex
{
    /// <summary>An index this large is not an index; refuse before reading it into memory.</summary>
    private const long MaxIndexBytes = 100_000_000;

    /// <summary>Tensor name → shard file name, in the index's order.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> ReadWeightMap(string indexPath)
    {
        byte[] bytes;
        try
        {
            var info = new FileInfo(indexPath);
            if (info.Length > MaxIndexBytes)
                throw RelensException.InFile(indexPath, $"is {info.Length} bytes, too large for a shard index");
            bytes = File.ReadAllBytes(indexPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw RelensException.InFile(indexPath, $"cannot be read: {e.Message}");
        }

        JsonDocument doc;
        try { doc = JsonDocument.Parse(bytes); }
        catch (JsonException e) { throw RelensException.InFile(indexPath, $"is not valid JSON: {e.Message}"); }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object
                || !doc.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
                throw RelensException.InFile(indexPath, "has no \"weight_map\" object");

            var result = new List<KeyValuePair<string, string>>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var item in map.EnumerateObject())
            {
                if (!seen.Add(item.Name))
                    throw RelensException.InFile(indexPath, $"weight_map names tensor '{item.Name}' more than once");
                if (item.Value.ValueKind != JsonValueKind.String)
                    throw RelensException.InFile(indexPath, $"weight_map entry for '{item.Name}' is JSON {item.Value.ValueKind}, not a shard file name");
                string shard = item.Value.GetString()!;
                // A path here could point anywhere on disk; HF only ever writes bare names beside the index.
                if (shard.Length == 0 || shard != Path.GetFileName(shard) || shard is "." or "..")
                    throw RelensException.InFile(indexPath, $"weight_map entry for '{item.Name}' is '{shard}', not a file name in the checkpoint folder");
                result.Add(new(item.Name, shard));
            }
            if (result.Count == 0) throw RelensException.InFile(indexPath, "weight_map is empty");
            return result;
        }
    }
}
