using System.Text.Json;

namespace Relens.Relations;

/// <summary>Reads one relation file in the paper's format (data/&lt;category&gt;/&lt;relation&gt;.json).</summary>
public static class RelationLoader
{
    // The paper's loader rejects any other top-level key; "domain"/"range" are its optional
    // explicit subject/object lists.
    private static readonly string[] ValidKeys =
        ["name", "prompt_templates", "prompt_templates_zs", "properties", "samples", "domain", "range"];

    /// <summary>
    /// Loads and validates one relation file. <paramref name="category"/> defaults to the name of
    /// the folder holding the file. Problems throw <see cref="RelensException"/> naming the file and field.
    /// </summary>
    public static Relation LoadFile(string path, string? category = null)
    {
        path = Path.GetFullPath(path);
        if (!File.Exists(path)) throw RelensException.InFile(path, "relation file not found");
        category ??= new DirectoryInfo(Path.GetDirectoryName(path)!).Name;

        JsonDocument doc;
        try { doc = JsonDocument.Parse(File.ReadAllBytes(path)); }
        catch (JsonException e) { throw RelensException.InFile(path, $"not valid JSON: {e.Message}"); }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw RelensException.InFile(path, $"expected a JSON object with the relation, found {Kind(root)}");
            foreach (var p in root.EnumerateObject())
                if (!ValidKeys.Contains(p.Name))
                    throw RelensException.InFile(path, $"unknown key '{p.Name}' (valid keys: {string.Join(", ", ValidKeys)})");

            string name = ReadString(path, root, "name", "name");
            var templates = ReadTemplates(path, root, "prompt_templates", required: true);
            var zsTemplates = ReadTemplates(path, root, "prompt_templates_zs", required: false);
            var properties = ReadProperties(path, root);
            var samples = ReadSamples(path, root);

            var relation = new Relation(name, category, templates, zsTemplates, properties, samples) { SourceFile = path };
            if (ReadOptionalStrings(path, root, "domain") is { } domain) relation = relation with { Domain = domain };
            if (ReadOptionalStrings(path, root, "range") is { } range) relation = relation with { Range = range };
            return relation;
        }
    }

    private static string[] ReadTemplates(string path, JsonElement root, string key, bool required)
    {
        if (!root.TryGetProperty(key, out var arr))
            return required ? throw RelensException.InFile(path, $"missing required field '{key}'") : [];
        if (arr.ValueKind != JsonValueKind.Array)
            throw RelensException.InFile(path, $"'{key}' must be a list of strings, found {Kind(arr)}");
        if (required && arr.GetArrayLength() == 0)
            throw RelensException.InFile(path, $"'{key}' is empty; it needs at least one template");

        var result = new string[arr.GetArrayLength()];
        int i = 0;
        foreach (var t in arr.EnumerateArray())
        {
            string field = $"{key}[{i}]";
            if (t.ValueKind != JsonValueKind.String)
                throw RelensException.InFile(path, $"'{field}' must be a string, found {Kind(t)}");
            string s = t.GetString()!;
            int slots = CountSlots(s);
            if (slots != 1)
                throw RelensException.InFile(path,
                    $"template '{field}' (\"{s}\") must contain exactly one \"{{}}\" subject slot, found {slots}");
            result[i++] = s;
        }
        return result;
    }

    private static RelationProperties ReadProperties(string path, JsonElement root)
    {
        if (!root.TryGetProperty("properties", out var p)) return RelationProperties.None;
        if (p.ValueKind != JsonValueKind.Object)
            throw RelensException.InFile(path, $"'properties' must be an object, found {Kind(p)}");
        bool symmetric = false;
        if (p.TryGetProperty("symmetric", out var sym))
            symmetric = sym.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw RelensException.InFile(path, $"'properties.symmetric' must be true or false, found {Kind(sym)}"),
            };
        return new RelationProperties(
            OptionalString(path, p, "relation_type", "properties.relation_type"),
            OptionalString(path, p, "domain_name", "properties.domain_name"),
            OptionalString(path, p, "range_name", "properties.range_name"),
            symmetric);
    }

    private static RelationSample[] ReadSamples(string path, JsonElement root)
    {
        if (!root.TryGetProperty("samples", out var arr))
            throw RelensException.InFile(path, "missing required field 'samples'");
        if (arr.ValueKind != JsonValueKind.Array)
            throw RelensException.InFile(path, $"'samples' must be a list of {{\"subject\", \"object\"}} objects, found {Kind(arr)}");
        if (arr.GetArrayLength() == 0)
            throw RelensException.InFile(path, "'samples' is empty; a relation needs at least one sample");

        var result = new RelationSample[arr.GetArrayLength()];
        int i = 0;
        foreach (var s in arr.EnumerateArray())
        {
            string field = $"samples[{i}]";
            if (s.ValueKind != JsonValueKind.Object)
                throw RelensException.InFile(path, $"'{field}' must be an object with \"subject\" and \"object\", found {Kind(s)}");
            result[i++] = new RelationSample(
                ReadString(path, s, "subject", field + ".subject"),
                ReadString(path, s, "object", field + ".object"));
        }
        return result;
    }

    /// <summary>A required, non-empty string (an empty subject could not be located in a prompt,
    /// and an empty object would make every prediction a miss).</summary>
    private static string ReadString(string path, JsonElement obj, string key, string field)
    {
        if (!obj.TryGetProperty(key, out var v))
            throw RelensException.InFile(path, $"missing required field '{field}'");
        if (v.ValueKind != JsonValueKind.String)
            throw RelensException.InFile(path, $"'{field}' must be a string, found {Kind(v)}");
        string s = v.GetString()!;
        if (s.Trim().Length == 0) throw RelensException.InFile(path, $"'{field}' is empty");
        return s;
    }

    private static string? OptionalString(string path, JsonElement obj, string key, string field)
    {
        if (!obj.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        return v.ValueKind == JsonValueKind.String
            ? v.GetString()
            : throw RelensException.InFile(path, $"'{field}' must be a string, found {Kind(v)}");
    }

    private static string[]? ReadOptionalStrings(string path, JsonElement root, string key)
    {
        if (!root.TryGetProperty(key, out var arr) || arr.ValueKind == JsonValueKind.Null) return null;
        if (arr.ValueKind != JsonValueKind.Array || arr.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
            throw RelensException.InFile(path, $"'{key}' must be a list of strings");
        return arr.EnumerateArray().Select(e => e.GetString()!).Distinct(StringComparer.Ordinal).ToArray();
    }

    internal static int CountSlots(string template)
    {
        int n = 0;
        for (int i = template.IndexOf("{}", StringComparison.Ordinal); i >= 0; i = template.IndexOf("{}", i + 2, StringComparison.Ordinal)) n++;
        return n;
    }

    private static string Kind(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
