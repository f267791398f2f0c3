using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Relens.Models;
using Relens.Relations;

namespace Relens.Evaluation.Records;

/// <summary>One <see cref="SweepRecord"/> as one line of JSON, and back.</summary>
internal static class SweepRecordJson
{
    // Relaxed escaping keeps non-ASCII subjects ("Bogotá") readable; the file is never embedded in HTML.
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = false,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The record as compact JSON, without the newline.</summary>
    public static byte[] Serialize(SweepRecord r)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("relation", r.Relation);
            w.WriteNumber("trial", r.Trial);
            if (r.Layer is { } layer)
            {
                if (layer.Block is { } block) w.WriteNumber("layer", block);
                else w.WriteString("layer", LayerRef.EmbeddingName);
            }
            w.WriteString("metric", r.Metric);
            if (r.Beta is { } beta) WriteDouble(w, "beta", beta);
            if (r.Rank is { } rank) w.WriteNumber("rank", rank);
            if (r.Subject is not null) w.WriteString("subject", r.Subject);
            WriteDouble(w, "value", r.Value);
            if (r.Note is not null) w.WriteString("note", r.Note);
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Parses one line; throws <see cref="FormatException"/> saying what is wrong.</summary>
    public static SweepRecord Parse(ReadOnlySpan<byte> line)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(line.ToArray()); }
        catch (JsonException e) { throw new FormatException($"not valid JSON ({e.Message})"); }
        using (doc)
        {
            var o = doc.RootElement;
            if (o.ValueKind != JsonValueKind.Object) throw new FormatException("not a JSON object");
            return new SweepRecord(
                Relation: RequiredString(o, "relation"),
                Trial: o.TryGetProperty("trial", out var t) && t.ValueKind == JsonValueKind.Number && t.TryGetInt32(out int trial)
                    ? trial : throw new FormatException("'trial' missing or not an integer"),
                Layer: o.TryGetProperty("layer", out var l) ? ParseLayer(l) : null,
                Metric: RequiredString(o, "metric"),
                Value: o.TryGetProperty("value", out var v) ? ReadDouble(v, "value") : throw new FormatException("'value' missing"),
                Beta: o.TryGetProperty("beta", out var b) ? ReadDouble(b, "beta") : null,
                Rank: o.TryGetProperty("rank", out var rk)
                    ? rk.ValueKind == JsonValueKind.Number && rk.TryGetInt32(out int rank) ? rank : throw new FormatException("'rank' is not an integer")
                    : null,
                Subject: o.TryGetProperty("subject", out var s) ? s.GetString() : null,
                Note: o.TryGetProperty("note", out var n) ? n.GetString() : null);
        }
    }

    // JSON has no NaN or infinities; a metric over zero samples can be NaN, so they go as strings.
    private static void WriteDouble(Utf8JsonWriter w, string name, double value)
    {
        if (double.IsFinite(value)) w.WriteNumber(name, value);
        else w.WriteString(name, value.ToString(CultureInfo.InvariantCulture));
    }

    private static double ReadDouble(JsonElement e, string name) => e.ValueKind switch
    {
        JsonValueKind.Number => e.GetDouble(),
        JsonValueKind.String when double.TryParse(e.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out double d) => d,
        _ => throw new FormatException($"'{name}' is not a number"),
    };

    private static LayerRef ParseLayer(JsonElement e)
    {
        string text = e.ValueKind == JsonValueKind.Number ? e.GetRawText() : e.ValueKind == JsonValueKind.String ? e.GetString()! : "";
        return LayerRef.TryParse(text, out var layer) ? layer : throw new FormatException($"'layer' must be \"emb\" or a block number, found {e.GetRawText()}");
    }

    private static string RequiredString(JsonElement o, string name) =>
        o.TryGetProperty(name, out var e) && e.ValueKind == JsonValueKind.String
            ? e.GetString()!
            : throw new FormatException($"'{name}' missing or not a string");
}
