using System.Text.Json;

namespace Relens.Tokenization;

/// <summary>A tokenizer file's content is wrong; the loader turns it into a <see cref="RelensException"/>
/// that names the file.</summary>
internal sealed class TokenizerFormatException(string problem) : Exception(problem);

/// <summary>Typed reads of JSON fields that fail with a message saying which field and what is wrong.
/// <c>where</c> is the JSON path of the object ("pre_tokenizer.pretokenizers[1]").</summary>
internal static class JsonFields
{
    /// <summary>The field, or null when it is absent or JSON null.</summary>
    public static JsonElement? Optional(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

    public static JsonElement Required(JsonElement obj, string name, string where) =>
        Optional(obj, name) ?? throw new TokenizerFormatException($"{Join(where, name)} is missing");

    public static JsonElement RequiredObject(JsonElement obj, string name, string where)
    {
        var v = Required(obj, name, where);
        return v.ValueKind == JsonValueKind.Object ? v
            : throw new TokenizerFormatException($"{Join(where, name)} should be an object but is {Describe(v)}");
    }

    public static JsonElement.ArrayEnumerator RequiredArray(JsonElement obj, string name, string where)
    {
        var v = Required(obj, name, where);
        return v.ValueKind == JsonValueKind.Array ? v.EnumerateArray()
            : throw new TokenizerFormatException($"{Join(where, name)} should be an array but is {Describe(v)}");
    }

    public static string RequiredString(JsonElement obj, string name, string where) =>
        String(Required(obj, name, where), Join(where, name));

    public static string? OptionalString(JsonElement obj, string name, string where) =>
        Optional(obj, name) is { } v ? String(v, Join(where, name)) : null;

    public static bool Bool(JsonElement obj, string name, bool fallback, string where) =>
        Optional(obj, name) switch
        {
            null => fallback,
            { ValueKind: JsonValueKind.True } => true,
            { ValueKind: JsonValueKind.False } => false,
            var v => throw new TokenizerFormatException($"{Join(where, name)} should be true or false but is {Describe(v.Value)}"),
        };

    public static int Int(JsonElement obj, string name, int fallback, string where) =>
        Optional(obj, name) is { } v ? Int(v, Join(where, name)) : fallback;

    public static int Int(JsonElement v, string where) =>
        v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i) ? i
            : throw new TokenizerFormatException($"{where} should be an integer but is {Describe(v)}");

    public static string String(JsonElement v, string where) =>
        v.ValueKind == JsonValueKind.String ? v.GetString()!
            : throw new TokenizerFormatException($"{where} should be a string but is {Describe(v)}");

    public static string Join(string where, string name) => where.Length == 0 ? name : $"{where}.{name}";

    public static string Describe(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => $"the string \"{Truncate(v.GetString()!)}\"",
        JsonValueKind.Number => $"the number {v.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => v.GetRawText(),
        _ => "null",
    };

    private static string Truncate(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
