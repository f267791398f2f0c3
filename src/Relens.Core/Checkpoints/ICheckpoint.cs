using TorchSharp;

namespace Relens.Checkpoints;

/// <summary>One tensor's entry in a safetensors header, already validated against its file.</summary>
/// <param name="Name">Checkpoint key, e.g. "transformer.h.0.attn.c_attn.weight".</param>
/// <param name="DType">Safetensors dtype string: "F32", "F16", "BF16", "F64", "I64", ...</param>
/// <param name="Shape">Tensor shape.</param>
/// <param name="File">Absolute path of the .safetensors file that holds it.</param>
/// <param name="Begin">Byte offset of the first byte, relative to the start of the data area.</param>
/// <param name="End">Byte offset one past the last byte, relative to the start of the data area.</param>
public sealed record TensorEntry(string Name, string DType, long[] Shape, string File, long Begin, long End)
{
    public long ByteSize => End - Begin;
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);

    /// <summary>The TorchSharp type of <see cref="DType"/> (entries are only created for known dtypes).</summary>
    public torch.ScalarType ScalarType => SafetensorsDType.ToScalarType(DType);
}

/// <summary>
/// A Hugging Face checkpoint's tensors (one model.safetensors or a sharded set described by
/// model.safetensors.index.json). Opening validates every header before any tensor is allocated.
/// </summary>
public interface ICheckpoint : IDisposable
{
    /// <summary>The checkpoint folder.</summary>
    string Directory { get; }

    IReadOnlyCollection<string> TensorNames { get; }

    bool Contains(string name);

    /// <summary>The validated entry; throws <see cref="RelensException"/> naming the folder if absent.</summary>
    TensorEntry Entry(string name);

    /// <summary>Sum of all tensors' byte sizes as stored.</summary>
    long TotalBytes { get; }

    /// <summary>
    /// The header's <c>__metadata__</c> (empty if none). For a sharded checkpoint, that of the first shard:
    /// Hugging Face writes the same metadata into every shard.
    /// </summary>
    IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>
    /// Reads one tensor and converts it to <paramref name="dtype"/> (F32/F16/BF16 in any direction)
    /// without keeping a second full-size copy. The result is a fresh CPU tensor owned by the caller's
    /// dispose scope.
    /// </summary>
    torch.Tensor Load(string name, torch.ScalarType dtype);

    /// <summary>Reads one tensor in its stored dtype (integer and bool tensors, exact copies).</summary>
    torch.Tensor Load(string name) => Load(name, Entry(name).ScalarType);
}
