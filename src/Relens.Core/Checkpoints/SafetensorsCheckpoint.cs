using Microsoft.Win32.SafeHandles;
using TorchSharp;

namespace Relens.Checkpoints;

/// <summary>
/// A checkpoint made of one or more validated .safetensors files. It keeps each file open from
/// validation to disposal, so every read sees the very file whose header was checked.
/// Create it with <see cref="CheckpointLoader.Open"/>.
/// </summary>
public sealed class SafetensorsCheckpoint : ICheckpoint
{
    private readonly Dictionary<string, TensorEntry> _entries;
    private readonly Dictionary<string, (SafetensorsHeader Header, SafeFileHandle Handle)> _files;
    private readonly string _source; // what the user opened (folder or file), for messages
    private bool _disposed;

    public string Directory { get; }
    public IReadOnlyCollection<string> TensorNames { get; }
    public long TotalBytes { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The validated files (one, or the shards), in the order they were opened.</summary>
    public IReadOnlyList<SafetensorsHeader> Files { get; }

    /// <param name="entries">The tensors to expose, each pointing at one of <paramref name="files"/>.</param>
    /// <param name="files">Validated headers with their open handles; the checkpoint takes ownership.</param>
    internal SafetensorsCheckpoint(string source, string directory, IReadOnlyList<TensorEntry> entries,
        IReadOnlyList<(SafetensorsHeader Header, SafeFileHandle Handle)> files)
    {
        _source = source;
        Directory = directory;
        _files = files.ToDictionary(f => f.Header.File, f => f);
        _entries = entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
        TensorNames = entries.Select(e => e.Name).ToArray();
        TotalBytes = entries.Sum(e => e.ByteSize);
        Files = files.Select(f => f.Header).ToArray();
        Metadata = files.Count > 0 ? files[0].Header.Metadata : new Dictionary<string, string>();
    }

    public bool Contains(string name) => _entries.ContainsKey(name);

    public TensorEntry Entry(string name) =>
        _entries.TryGetValue(name, out var entry) ? entry
        : throw RelensException.InFile(_source, $"checkpoint has no tensor '{name}'");

    /// <summary>Reads one tensor in its stored dtype.</summary>
    public torch.Tensor Load(string name) => Load(name, Entry(name).ScalarType);

    public torch.Tensor Load(string name, torch.ScalarType dtype)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var entry = Entry(name);
        var (header, handle) = _files[entry.File];

        using var scope = torch.NewDisposeScope();
        // The stored-dtype tensor is the only buffer: bytes go from the file straight into it. When a
        // conversion is asked for it is a per-tensor temporary, freed by the scope.
        var stored = torch.empty(entry.Shape, entry.ScalarType);
        long fileOffset = header.DataStart + entry.Begin;
        TensorBytes.ForEachChunk(stored, (chunk, byteOffset) => ReadExactly(handle, entry, chunk, fileOffset + byteOffset));
        var result = stored.dtype == dtype ? stored : stored.to_type(dtype);
        return result.MoveToOuterDisposeScope();
    }

    private static void ReadExactly(SafeFileHandle handle, TensorEntry entry, Span<byte> buffer, long offset)
    {
        try
        {
            while (buffer.Length > 0)
            {
                int n = RandomAccess.Read(handle, buffer, offset);
                // Validation saw the whole data area, so a short read means the file shrank since.
                if (n == 0) throw RelensException.InFile(entry.File, $"file ended at byte {offset} while reading tensor '{entry.Name}' (truncated after it was opened?)");
                buffer = buffer[n..];
                offset += n;
            }
        }
        catch (IOException e) { throw RelensException.InFile(entry.File, $"cannot read tensor '{entry.Name}': {e.Message}"); }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var (_, handle) in _files.Values) handle.Dispose();
    }
}
