using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;

namespace Relens.Checkpoints;

/// <summary>
/// The validated header of one .safetensors file: 8-byte little-endian header length, that many bytes
/// of UTF-8 JSON, then the data area. Everything a later read relies on is checked here, before any
/// tensor memory is allocated, so a corrupt or hostile file fails with a message instead of a crash,
/// a huge allocation or a silent misread.
/// </summary>
public sealed class SafetensorsHeader
{
    /// <summary>Largest header accepted; the reference implementation uses the same bound. A larger
    /// prefix means the file is not safetensors (or is hostile), and reading it would waste memory.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    /// <summary>Absolute path of the file.</summary>
    public string File { get; }

    /// <summary>File offset of the data area (8 + header length); tensor offsets are relative to it.</summary>
    public long DataStart { get; }

    /// <summary>Bytes in the data area (file length − <see cref="DataStart"/>).</summary>
    public long DataSize { get; }

    /// <summary>Tensors in data-area order (ascending begin offset).</summary>
    public IReadOnlyList<TensorEntry> Tensors { get; }

    /// <summary>The <c>__metadata__</c> strings, empty if absent.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    private SafetensorsHeader(string file, long dataStart, long dataSize, IReadOnlyList<TensorEntry> tensors,
        IReadOnlyDictionary<string, string> metadata)
    {
        File = file; DataStart = dataStart; DataSize = dataSize; Tensors = tensors; Metadata = metadata;
    }

    /// <summary>Reads and validates the header of <paramref name="path"/>; throws <see cref="RelensException"/>.</summary>
    public static SafetensorsHeader Read(string path)
    {
        path = Path.GetFullPath(path);
        using var handle = OpenForRead(path);
        return Read(handle, path);
    }

    /// <summary>Opens a file for reading, turning OS errors into messages that name it.</summary>
    internal static SafeFileHandle OpenForRead(string path)
    {
        try
        {
            // FileShare.Delete: a writer may atomically replace the file while we hold the old one.
            return System.IO.File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
        }
        catch (FileNotFoundException) { throw RelensException.InFile(path, "file does not exist"); }
        catch (DirectoryNotFoundException) { throw RelensException.InFile(path, "file does not exist"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw RelensException.InFile(path, $"cannot be opened: {e.Message}");
        }
    }

    /// <summary>Reads the header through an open handle (the one later reads use, so they see the same file).</summary>
    internal static SafetensorsHeader Read(SafeFileHandle handle, string path)
    {
        long length = RandomAccess.GetLength(handle);
        if (length < 8)
            throw RelensException.InFile(path, $"file is {length} bytes, too short for a safetensors file (which starts with an 8-byte header length)");

        Span<byte> prefix = stackalloc byte[8];
        ReadExactly(handle, path, prefix, 0);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > (ulong)(length - 8))
            throw RelensException.InFile(path, $"header length {headerLength} is larger than the {length - 8} bytes after the length prefix (truncated, or not a safetensors file)");
        if (headerLength > MaxHeaderBytes)
            throw RelensException.InFile(path, $"header length {headerLength} exceeds the {MaxHeaderBytes}-byte limit (not a safetensors file?)");

        var json = new byte[headerLength];
        ReadExactly(handle, path, json, 8);
        long dataStart = 8 + (long)headerLength;
        var (tensors, metadata) = Parse(path, json, length - dataStart);
        return new SafetensorsHeader(path, dataStart, length - dataStart, tensors, metadata);
    }

    private static void ReadExactly(SafeFileHandle handle, string path, Span<byte> buffer, long offset)
    {
        try
        {
            while (buffer.Length > 0)
            {
                int n = RandomAccess.Read(handle, buffer, offset);
                if (n == 0) throw RelensException.InFile(path, $"file ended at byte {offset} while reading its header");
                buffer = buffer[n..];
                offset += n;
            }
        }
        catch (IOException e) { throw RelensException.InFile(path, $"cannot be read: {e.Message}"); }
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Validates the JSON header against a data area of <paramref name="dataSize"/> bytes.</summary>
    internal static (IReadOnlyList<TensorEntry>, IReadOnlyDictionary<string, string>) Parse(string path, byte[] json, long dataSize)
    {
        try { StrictUtf8.GetCharCount(json); }
        catch (DecoderFallbackException) { throw RelensException.InFile(path, "header is not valid UTF-8"); }

        JsonDocument doc;
        try { doc = JsonDocument.Parse(json); }
        catch (JsonException e) { throw RelensException.InFile(path, $"header is not valid JSON: {e.Message}"); }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw RelensException.InFile(path, $"header is JSON {doc.RootElement.ValueKind}, not an object of tensors");

            var metadata = new Dictionary<string, string>();
            var tensors = new List<TensorEntry>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                // JSON allows repeated keys; which one wins would be up to the parser, so refuse.
                if (!seen.Add(property.Name))
                    throw RelensException.InFile(path, $"header names '{property.Name}' more than once");
                if (property.Name == "__metadata__") ParseMetadata(path, property.Value, metadata);
                else tensors.Add(ParseEntry(path, property.Name, property.Value, dataSize));
            }

            tensors.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
            for (int i = 1; i < tensors.Count; i++)
            {
                TensorEntry prev = tensors[i - 1], cur = tensors[i];
                if (cur.Begin < prev.End)
                    throw RelensException.InFile(path, $"tensor '{cur.Name}' has data_offsets [{cur.Begin}, {cur.End}], overlapping tensor '{prev.Name}' at [{prev.Begin}, {prev.End}]");
            }
            return (tensors, metadata);
        }
    }

    private static void ParseMetadata(string path, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw RelensException.InFile(path, $"__metadata__ is JSON {value.ValueKind}, not an object of strings");
        foreach (var item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
                throw RelensException.InFile(path, $"__metadata__ entry '{item.Name}' is JSON {item.Value.ValueKind}, not a string");
            metadata[item.Name] = item.Value.GetString()!;
        }
    }

    private static TensorEntry ParseEntry(string path, string name, JsonElement value, long dataSize)
    {
        RelensException Bad(string problem) => RelensException.InFile(path, $"tensor '{name}' {problem}");

        if (value.ValueKind != JsonValueKind.Object) throw Bad($"is JSON {value.ValueKind}, not an object with dtype, shape and data_offsets");

        if (!value.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
            throw Bad("has no string dtype");
        string dtype = dtypeElement.GetString()!;
        if (!SafetensorsDType.TryParse(dtype, out _, out int elementSize))
            throw Bad($"has unknown or unsupported dtype '{dtype}' (supported: {string.Join(", ", SafetensorsDType.Known)})");

        if (!value.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
            throw Bad("has no shape array");
        var shape = new long[shapeElement.GetArrayLength()];
        int d = 0;
        foreach (var dim in shapeElement.EnumerateArray())
        {
            if (dim.ValueKind != JsonValueKind.Number || !dim.TryGetInt64(out long n) || n < 0)
                throw Bad($"has shape {shapeElement.GetRawText()}, which is not a list of non-negative integers");
            shape[d++] = n;
        }

        if (!value.TryGetProperty("data_offsets", out var offsetsElement) || offsetsElement.ValueKind != JsonValueKind.Array
            || offsetsElement.GetArrayLength() != 2)
            throw Bad("has no data_offsets [begin, end]");
        var offsets = new long[2];
        int k = 0;
        foreach (var o in offsetsElement.EnumerateArray())
        {
            if (o.ValueKind != JsonValueKind.Number || !o.TryGetInt64(out long n) || n < 0)
                throw Bad($"has data_offsets {offsetsElement.GetRawText()}, which are not non-negative integers");
            offsets[k++] = n;
        }
        long begin = offsets[0], end = offsets[1];
        if (begin > end) throw Bad($"has data_offsets [{begin}, {end}] with begin after end");
        if (end > dataSize)
            throw Bad($"has data_offsets [{begin}, {end}] beyond the end of the data area ({dataSize} bytes; file truncated?)");

        string shapeText = "[" + string.Join(", ", shape) + "]";
        long needed;
        try { needed = checked(shape.Aggregate((long)elementSize, (a, b) => a * b)); }
        catch (OverflowException) { throw Bad($"has shape {shapeText}, too large to address"); }
        if (end - begin != needed)
            throw Bad($"has data_offsets [{begin}, {end}] but {dtype} {shapeText} needs {needed} bytes");

        return new TensorEntry(name, dtype, shape, path, begin, end);
    }
}
