using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Checkpoints;

/// <summary>
/// The safetensors dtype names Relens understands and their TorchSharp equivalents. The table is the
/// single place that maps between the two, so the reader and the writer can never disagree.
/// </summary>
public static class SafetensorsDType
{
    private static readonly (string Name, ScalarType Type, int Size)[] Table =
    [
        ("F64", ScalarType.Float64, 8),
        ("F32", ScalarType.Float32, 4),
        ("F16", ScalarType.Float16, 2),
        ("BF16", ScalarType.BFloat16, 2),
        ("I64", ScalarType.Int64, 8),
        ("I32", ScalarType.Int32, 4),
        ("I16", ScalarType.Int16, 2),
        ("I8", ScalarType.Int8, 1),
        ("U8", ScalarType.Byte, 1),
        ("BOOL", ScalarType.Bool, 1),
    ];

    /// <summary>The dtype names accepted in a header, e.g. for error messages.</summary>
    public static IReadOnlyList<string> Known { get; } = Table.Select(t => t.Name).ToArray();

    /// <summary>Looks up a header dtype name (case-sensitive, as the format is).</summary>
    public static bool TryParse(string name, out ScalarType type, out int elementSize)
    {
        foreach (var t in Table)
        {
            if (t.Name == name) { type = t.Type; elementSize = t.Size; return true; }
        }
        type = default; elementSize = 0;
        return false;
    }

    /// <summary>The TorchSharp type of a header dtype name; throws for a name <see cref="TryParse"/> rejects.</summary>
    public static ScalarType ToScalarType(string name) =>
        TryParse(name, out var type, out _) ? type
        : throw new ArgumentException($"unknown safetensors dtype '{name}' (known: {string.Join(", ", Known)})", nameof(name));

    /// <summary>The header dtype name for a TorchSharp type, or null if safetensors (as Relens writes it) has none.</summary>
    public static string? NameOf(ScalarType type)
    {
        foreach (var t in Table) if (t.Type == type) return t.Name;
        return null;
    }

    /// <summary>Bytes per element of a type in the table; throws for others (complex, quantised, ...).</summary>
    public static int ElementSize(ScalarType type)
    {
        foreach (var t in Table) if (t.Type == type) return t.Size;
        throw new ArgumentException($"{type} has no safetensors dtype in Relens (supported: {string.Join(", ", Known)})", nameof(type));
    }
}
