using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace Relens.Tests.Checkpoints;

/// <summary>
/// A deliberately separate, minimal safetensors reader (BinaryReader + JsonDocument) that tests use to
/// check the library's reader and writer against, plus a writer of hand-made (often broken) files.
/// </summary>
internal static class RawSafetensors
{
    public sealed record RawEntry(string DType, long[] Shape, long Begin, long End);

    /// <summary>The header's tensors (no __metadata__), the data area's file offset and the header length.</summary>
    public static (Dictionary<string, RawEntry> Entries, long DataStart, long HeaderLength) ReadHeader(string path)
    {
        using var reader = new BinaryReader(File.OpenRead(path));
        long n = (long)reader.ReadUInt64();
        using var doc = JsonDocument.Parse(reader.ReadBytes((int)n));
        var entries = new Dictionary<string, RawEntry>();
        foreach (var p in doc.RootElement.EnumerateObject())
        {
            if (p.Name == "__metadata__") continue;
            var offsets = p.Value.GetProperty("data_offsets").EnumerateArray().Select(x => x.GetInt64()).ToArray();
            entries[p.Name] = new RawEntry(p.Value.GetProperty("dtype").GetString()!,
                p.Value.GetProperty("shape").EnumerateArray().Select(x => x.GetInt64()).ToArray(), offsets[0], offsets[1]);
        }
        return (entries, 8 + n, n);
    }

    /// <summary>An F32 tensor's values, read with BinaryReader.</summary>
    public static float[] ReadF32(string path, string name)
    {
        var (entries, dataStart, _) = ReadHeader(path);
        var e = entries[name];
        Assert.Equal("F32", e.DType);
        using var reader = new BinaryReader(File.OpenRead(path));
        reader.BaseStream.Position = dataStart + e.Begin;
        var bytes = reader.ReadBytes(checked((int)(e.End - e.Begin)));
        var values = new float[bytes.Length / 4];
        for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(4 * i));
        return values;
    }

    /// <summary>Writes an 8-byte length prefix, <paramref name="header"/> and <paramref name="dataBytes"/> bytes of data.</summary>
    public static string Write(string path, string header, long dataBytes)
    {
        var json = Encoding.UTF8.GetBytes(header);
        using var stream = File.Create(path);
        stream.Write(BitConverter.GetBytes((ulong)json.Length));
        stream.Write(json);
        stream.Write(new byte[dataBytes]);
        return path;
    }
}
