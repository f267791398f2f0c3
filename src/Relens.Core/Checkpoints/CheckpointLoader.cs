using Microsoft.Win32.SafeHandles;
using static TorchSharp.torch;

namespace Relens.Checkpoints;

/// <summary>
/// Opens Hugging Face checkpoint folders (single-file or sharded safetensors), validating every header
/// before any tensor is allocated, and estimates what loading them will cost.
/// </summary>
public static class CheckpointLoader
{
    public const string SingleFileName = "model.safetensors";
    public const string IndexFileName = "model.safetensors.index.json";

    /// <summary>
    /// Fraction of the tensors' in-memory size added to <see cref="EstimateLoadBytes"/> for allocator
    /// slack, the runtime and the small working tensors a forward pass on a short prompt needs.
    /// </summary>
    public const double LoadMarginFraction = 0.05;

    /// <summary>
    /// Opens a checkpoint folder — its <c>model.safetensors</c>, else its <c>model.safetensors.index.json</c>
    /// and the shards it names (the order transformers uses) — or a single .safetensors file given directly.
    /// Every header is validated now; the returned checkpoint holds the files open until disposed.
    /// </summary>
    public static ICheckpoint Open(string path)
    {
        path = Path.GetFullPath(path);
        if (File.Exists(path)) return OpenFiles(path, Path.GetDirectoryName(path)!, [path], null);
        if (!Directory.Exists(path)) throw RelensException.InFile(path, "no such checkpoint folder or file");

        string single = Path.Combine(path, SingleFileName), index = Path.Combine(path, IndexFileName);
        if (File.Exists(single)) return OpenFiles(path, path, [single], null);
        if (File.Exists(index)) return OpenSharded(path, index);
        throw NothingToOpen(path);
    }

    private static RelensException NothingToOpen(string dir)
    {
        var bins = Directory.EnumerateFiles(dir, "*.bin").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        if (bins.Length > 0)
            return RelensException.InFile(dir, $"has only PyTorch pickle weights ({string.Join(", ", bins)}); .bin checkpoints are not supported " +
                "(unpickling runs arbitrary code). Convert them to safetensors, e.g. in Python: " +
                "AutoModelForCausalLM.from_pretrained(dir).save_pretrained(dir, safe_serialization=True)");
        var others = Directory.EnumerateFiles(dir, "*.safetensors").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        string found = others.Length > 0 ? $"; it has {string.Join(", ", others)} but no index saying which tensors they hold" : "";
        return RelensException.InFile(dir, $"no checkpoint found: looked for {SingleFileName} and {IndexFileName}{found}");
    }

    private static ICheckpoint OpenSharded(string dir, string indexPath)
    {
        var weightMap = ShardIndex.ReadWeightMap(indexPath);
        var shardNames = weightMap.Select(kv => kv.Value).Distinct(StringComparer.Ordinal).ToArray();
        foreach (var shard in shardNames)
        {
            if (!File.Exists(Path.Combine(dir, shard)))
            {
                var forTensors = weightMap.Where(kv => kv.Value == shard).Select(kv => kv.Key).ToArray();
                string which = forTensors.Length == 1 ? $"'{forTensors[0]}'" : $"'{forTensors[0]}' and {forTensors.Length - 1} others";
                throw RelensException.InFile(indexPath, $"weight_map names shard '{shard}' (for tensor {which}), which does not exist");
            }
        }
        return OpenFiles(dir, dir, shardNames.Select(s => Path.Combine(dir, s)).ToArray(), (indexPath, weightMap));
    }

    /// <summary>
    /// Validates each file's header through a handle kept for later reads. Without a weight map every
    /// tensor of every file is exposed; with one exactly the mapped tensors, each from its named shard.
    /// </summary>
    private static ICheckpoint OpenFiles(string source, string dir, string[] files,
        (string Path, IReadOnlyList<KeyValuePair<string, string>> Map)? index)
    {
        var opened = new List<(SafetensorsHeader Header, SafeFileHandle Handle)>();
        try
        {
            foreach (var file in files)
            {
                var handle = SafetensorsHeader.OpenForRead(file);
                try { opened.Add((SafetensorsHeader.Read(handle, file), handle)); }
                catch { handle.Dispose(); throw; }
            }
            return new SafetensorsCheckpoint(source, dir, index is { } ix ? Mapped(dir, ix.Path, ix.Map, opened) : Unmapped(opened), opened);
        }
        catch
        {
            foreach (var (_, handle) in opened) handle.Dispose();
            throw;
        }
    }

    private static List<TensorEntry> Unmapped(List<(SafetensorsHeader Header, SafeFileHandle Handle)> opened)
    {
        var entries = new List<TensorEntry>();
        var owner = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (header, _) in opened)
        {
            foreach (var entry in header.Tensors)
            {
                if (!owner.TryAdd(entry.Name, header.File))
                    throw RelensException.InFile(header.File, $"tensor '{entry.Name}' is also in {owner[entry.Name]}");
                entries.Add(entry);
            }
        }
        return entries;
    }

    private static List<TensorEntry> Mapped(string dir, string indexPath, IReadOnlyList<KeyValuePair<string, string>> map,
        List<(SafetensorsHeader Header, SafeFileHandle Handle)> opened)
    {
        var byFile = opened.ToDictionary(o => o.Header.File,
            o => o.Header.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal));
        var entries = new List<TensorEntry>(map.Count);
        foreach (var (name, shard) in map)
        {
            if (!byFile[Path.Combine(dir, shard)].TryGetValue(name, out var entry))
                throw RelensException.InFile(indexPath, $"weight_map puts tensor '{name}' in '{shard}', but that shard does not contain it");
            entries.Add(entry);
        }
        return entries;
    }

    /// <summary>
    /// Bytes needed to hold every tensor of <paramref name="checkpoint"/> as <paramref name="dtype"/>:
    /// Σ numel × sizeof(dtype), plus the largest tensor as stored (the read buffer alive while it is
    /// converted), plus <see cref="LoadMarginFraction"/> of the sum.
    /// </summary>
    public static long EstimateLoadBytes(ICheckpoint checkpoint, ScalarType dtype)
    {
        long elementSize = SafetensorsDType.ElementSize(dtype);
        long tensors = 0, largestStored = 0;
        foreach (var name in checkpoint.TensorNames)
        {
            var entry = checkpoint.Entry(name);
            tensors = checked(tensors + entry.ElementCount * elementSize);
            largestStored = Math.Max(largestStored, entry.ByteSize);
        }
        return checked(tensors + largestStored + (long)(tensors * LoadMarginFraction));
    }

    /// <summary>
    /// Opens and validates a checkpoint and refuses it (<see cref="RelensException"/> with needed and
    /// available GiB) if loading it as <paramref name="dtype"/> would not fit in available memory.
    /// </summary>
    public static ICheckpoint OpenForLoading(string path, ScalarType dtype)
    {
        var checkpoint = Open(path);
        try
        {
            string type = SafetensorsDType.NameOf(dtype) ?? dtype.ToString();
            MemoryGuard.EnsureFits(EstimateLoadBytes(checkpoint, dtype),
                $"{Path.GetFullPath(path)}: loading {checkpoint.TensorNames.Count} tensors as {type}");
            return checkpoint;
        }
        catch
        {
            checkpoint.Dispose();
            throw;
        }
    }
}
