using System.Buffers.Binary;
using System.Text.Json;
using TorchSharp;

namespace Relens.Checkpoints;

/// <summary>
/// Writes tensors in the safetensors format (what Hugging Face and <see cref="CheckpointLoader"/> read),
/// each in its own dtype, streaming every tensor's memory straight to the file.
/// </summary>
public static class SafetensorsWriter
{
    /// <summary>
    /// Writes <paramref name="tensors"/> to <paramref name="path"/>, replacing it atomically (a crash
    /// leaves the old file or the new one, never half of one). Tensors may be on any device and
    /// non-contiguous; each is staged through a per-tensor CPU copy only if it needs one.
    /// <c>format: pt</c> is added to the metadata unless given, because transformers refuses
    /// safetensors metadata without a known format.
    /// </summary>
    public static void Write(string path, IReadOnlyList<(string Name, torch.Tensor Tensor)> tensors,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        path = Path.GetFullPath(path);
        var layout = Layout(path, tensors);
        byte[] header = Header(layout, metadata);

        string temp = path + ".tmp-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                Span<byte> prefix = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
                stream.Write(prefix);
                stream.Write(header);
                foreach (var item in layout)
                {
                    using var scope = torch.NewDisposeScope();
                    // detach/cpu/contiguous return the same storage when there is nothing to do.
                    var data = item.Tensor.detach().cpu().contiguous();
                    TensorBytes.ForEachChunk(data, (chunk, _) => stream.Write(chunk));
                }
            }
            File.Move(temp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            throw RelensException.InFile(path, $"cannot be written: {e.Message}");
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    private sealed record Item(string Name, torch.Tensor Tensor, string DType, long[] Shape, long Bytes);

    /// <summary>
    /// Checks names and dtypes and orders the tensors by element size (largest first, then by name), as
    /// the reference writer does: with the 8-byte-padded header, every tensor then starts at a multiple of
    /// its element size, so readers that map the file can use it in place.
    /// </summary>
    private static List<Item> Layout(string path, IReadOnlyList<(string Name, torch.Tensor Tensor)> tensors)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var items = new List<Item>(tensors.Count);
        foreach (var (name, tensor) in tensors)
        {
            if (string.IsNullOrEmpty(name) || name == "__metadata__")
                throw RelensException.InFile(path, $"cannot write a tensor named '{name}'");
            if (!names.Add(name)) throw RelensException.InFile(path, $"tensor '{name}' is given more than once");
            string dtype = SafetensorsDType.NameOf(tensor.dtype)
                ?? throw RelensException.InFile(path, $"tensor '{name}' is {tensor.dtype}, which safetensors (as Relens writes it) cannot hold; supported: {string.Join(", ", SafetensorsDType.Known)}");
            items.Add(new Item(name, tensor, dtype, tensor.shape, tensor.numel() * tensor.ElementSize));
        }
        return items.OrderByDescending(i => i.Tensor.ElementSize).ThenBy(i => i.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>The JSON header, space-padded to a multiple of 8 bytes as the format specifies.</summary>
    private static byte[] Header(List<Item> layout, IReadOnlyDictionary<string, string>? metadata)
    {
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartObject("__metadata__");
            if (metadata is null || !metadata.ContainsKey("format")) json.WriteString("format", "pt");
            if (metadata is not null)
                foreach (var (key, value) in metadata) json.WriteString(key, value);
            json.WriteEndObject();

            long offset = 0;
            foreach (var item in layout)
            {
                json.WriteStartObject(item.Name);
                json.WriteString("dtype", item.DType);
                json.WriteStartArray("shape");
                foreach (var d in item.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + item.Bytes);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += item.Bytes;
            }
            json.WriteEndObject();
        }
        while (buffer.Length % 8 != 0) buffer.WriteByte((byte)' ');
        return buffer.ToArray();
    }

    /// <summary>
    /// Writes a Hugging Face sharded checkpoint into <paramref name="dir"/>: tensors in the given order,
    /// a new shard started whenever the next tensor would push the current one past
    /// <paramref name="maxShardBytes"/> (a tensor larger than that gets a shard of its own), shards named
    /// <c>model-00001-of-0000N.safetensors</c> plus <c>model.safetensors.index.json</c>. Like
    /// transformers' save_pretrained, everything fitting in one shard is written as plain
    /// <c>model.safetensors</c>, and weight files of an earlier save in <paramref name="dir"/> are removed
    /// so they cannot shadow or mix with the new ones. Returns the files written.
    /// </summary>
    public static IReadOnlyList<string> WriteSharded(string dir, IReadOnlyList<(string Name, torch.Tensor Tensor)> tensors,
        long maxShardBytes, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(maxShardBytes, 0);
        dir = Path.GetFullPath(dir);
        Directory.CreateDirectory(dir);
        Layout(Path.Combine(dir, CheckpointLoader.IndexFileName), tensors); // names and dtypes, before deleting anything

        var shards = new List<List<(string Name, torch.Tensor Tensor)>>();
        long current = 0;
        foreach (var t in tensors)
        {
            long bytes = t.Tensor.numel() * t.Tensor.ElementSize;
            if (shards.Count == 0 || (current > 0 && current + bytes > maxShardBytes)) { shards.Add([]); current = 0; }
            shards[^1].Add(t);
            current += bytes;
        }

        RemovePreviousWeights(dir);
        if (shards.Count <= 1)
        {
            string single = Path.Combine(dir, CheckpointLoader.SingleFileName);
            Write(single, tensors, metadata);
            return [single];
        }

        var written = new List<string>();
        var weightMap = new SortedDictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < shards.Count; i++)
        {
            string name = $"model-{i + 1:D5}-of-{shards.Count:D5}.safetensors";
            Write(Path.Combine(dir, name), shards[i], metadata);
            written.Add(Path.Combine(dir, name));
            foreach (var (tensorName, _) in shards[i]) weightMap[tensorName] = name;
        }
        string index = Path.Combine(dir, CheckpointLoader.IndexFileName);
        WriteIndex(index, tensors.Sum(t => t.Tensor.numel() * t.Tensor.ElementSize), weightMap);
        written.Add(index);
        return written;
    }

    /// <summary>HF's index layout: metadata.total_size (bytes of all tensors) and a name-sorted weight_map.</summary>
    private static void WriteIndex(string path, long totalSize, SortedDictionary<string, string> weightMap)
    {
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteStartObject("metadata");
            json.WriteNumber("total_size", totalSize);
            json.WriteEndObject();
            json.WriteStartObject("weight_map");
            foreach (var (name, file) in weightMap) json.WriteString(name, file);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        try { File.WriteAllBytes(path, buffer.ToArray()); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw RelensException.InFile(path, $"cannot be written: {e.Message}");
        }
    }

    private static void RemovePreviousWeights(string dir)
    {
        var stale = Directory.EnumerateFiles(dir, "model-?????-of-?????.safetensors")
            .Append(Path.Combine(dir, CheckpointLoader.SingleFileName))
            .Append(Path.Combine(dir, CheckpointLoader.IndexFileName));
        foreach (var file in stale)
        {
            try { File.Delete(file); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw RelensException.InFile(file, $"cannot remove this weight file of an earlier save: {e.Message}");
            }
        }
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
