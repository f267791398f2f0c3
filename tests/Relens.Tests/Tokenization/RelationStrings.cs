using System.Text.Json;

namespace Relens.Tests.Tokenization;

/// <summary>Test strings drawn from the paper's relation files in /work/shared/relations.</summary>
internal static class RelationStrings
{
    public sealed record Relation(string Name, string Template, List<(string Subject, string Object)> Samples);

    /// <summary>Every relation file that has samples (hparams/ files have none).</summary>
    public static List<Relation> Relations() =>
        Directory.EnumerateFiles(TestPaths.Relations, "*.json", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .Select(Read)
            .OfType<Relation>()
            .ToList();

    private static Relation? Read(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("samples", out var samples)) return null;
        return new Relation(
            root.GetProperty("name").GetString()!,
            root.GetProperty("prompt_templates")[0].GetString()!,
            samples.EnumerateArray()
                .Select(s => (s.GetProperty("subject").GetString()!, s.GetProperty("object").GetString()!))
                .ToList());
    }

    /// <summary>
    /// Distinct subjects and objects, bare and with a leading space (as they follow a template): all
    /// that contain a non-ASCII character or a digit, and every <paramref name="stride"/>-th of the rest
    /// (all 12,745 would make the test slow without finding more kinds of trouble).
    /// </summary>
    public static List<string> SubjectsAndObjects(IEnumerable<Relation> relations, int stride = 10) =>
        relations.SelectMany(r => r.Samples).SelectMany(s => new[] { s.Subject, s.Object })
            .Distinct().Order(StringComparer.Ordinal)
            .Where((s, i) => s.Any(c => c > 127 || char.IsDigit(c)) || i % stride == 0)
            .SelectMany(s => new[] { s, " " + s })
            .ToList();

    /// <summary>The paper's n-shot prompt: "template(s_i) o_i" lines, then the query's "template(s)".</summary>
    public static string IclPrompt(Relation r, int shots, int offset = 0)
    {
        var samples = r.Samples.Skip(offset).Take(shots + 1).ToList();
        var lines = samples.Take(samples.Count - 1).Select(s => r.Template.Replace("{}", s.Subject) + " " + s.Object);
        return string.Join("\n", lines.Append(r.Template.Replace("{}", samples[^1].Subject)));
    }

    /// <summary>Hand-picked edge cases: accents, scripts, combining marks, digits, punctuation,
    /// contractions, whitespace runs, emoji.</summary>
    public static readonly string[] EdgeCases =
    [
        "", " ", "  ", "\n", "\n\n", " \n ", "a  b", "a   b", "a \tb", "trailing ", "trailing  ", "  leading",
        "line\nbreak\r\nwindows", "tab\tseparated\tvalues", "\u00a0non-breaking\u00a0space", "ideographic\u3000space",
        "naïve café", "São Paulo", "Zürich", "Nidoran♀", "Ångström", "Øresund", "Łódź", "İstanbul", "Straße",
        "日本語のテキスト", "中文", "한국어", "Ελληνικά", "Русский язык", "עברית", "العربية", "हिन्दी", "ไทย",
        "e\u0301 combining", "x² + y³ = z⁴", "½ ¾ ⅓", "Ⅻ", "٣٤٥", "1,234.56", "2023-08-01", "3.14159", "0x1F",
        "It's they're we've I'm you'll he'd isn't", "IT'S THEY'RE", "'s 't 're", "rock'n'roll", "' s",
        "Hello, world!", "What?!...", "(parenthesised) [bracketed] {braced}", "a--b", "e-mail@example.com",
        "https://example.org/path?q=1&r=2", "#hashtag @mention $100 50% ^caret", "\"quoted\" 'single'",
        "🙂 emoji 🚀🚀", "👩‍👩‍👧 family", "zero\u200bwidth", "soft\u00adhyphen", "tab\t\tdouble", "\r\n",
        "The capital city of France is", "The Eiffel Tower is located in the city of",
    ];
}
