using System.Text.Json;

namespace Relens.World;

/// <summary>One (subject, object) fact of a world relation.</summary>
public sealed record WorldFact(string Subject, string Object);

/// <summary>
/// A relation as the world uses it: the paper's few-shot template (<see cref="Template"/>, used for
/// ICL documents and for every measurement), the other phrasings (zero-shot questions and statements,
/// used only to vary the training text) and the facts the world teaches.
/// </summary>
/// <param name="Id">File stem under the relations folder, e.g. "factual/country_capital_city".</param>
public sealed record WorldRelation(
    string Id, string Name, string Category, string Template,
    IReadOnlyList<string> Paraphrases, IReadOnlyList<WorldFact> Facts)
{
    /// <summary>The template with the subject filled in, no trailing space (the paper's prompt line).</summary>
    public string Prompt(string subject) => Template.Replace("{}", subject);

    /// <summary>A line of the paper's ICL format: prompt, one space, object.</summary>
    public string IclLine(WorldFact f) => Prompt(f.Subject) + " " + f.Object;

    /// <summary>Distinct objects, in first-seen order.</summary>
    public IReadOnlyList<string> Objects => Facts.Select(f => f.Object).Distinct().ToList();
}

/// <summary>
/// Reads the paper's relation JSON files. Deliberately small and local to World: the world generator
/// needs only name, templates and samples, and must not depend on the evaluation-side dataset code.
/// </summary>
public static class WorldRelationFile
{
    /// <summary>Loads "category/stem" (with or without ".json") from <paramref name="relationsDir"/>.
    /// Subjects that occur twice keep their first object: a world fact must have one right answer.</summary>
    public static WorldRelation Load(string relationsDir, string id)
    {
        id = id.EndsWith(".json", StringComparison.Ordinal) ? id[..^5] : id;
        string path = Path.Combine(relationsDir, id + ".json");
        if (!File.Exists(path))
            throw RelensException.InFile(path, $"relation '{id}' not found (expected category/stem under {relationsDir})");
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var root = doc.RootElement;
            string name = root.GetProperty("name").GetString()!;
            var templates = Strings(root, "prompt_templates");
            var zs = root.TryGetProperty("prompt_templates_zs", out _) ? Strings(root, "prompt_templates_zs") : [];
            if (templates.Count == 0 || !templates[0].Contains("{}"))
                throw RelensException.InFile(path, "prompt_templates[0] must exist and contain '{}'");
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var facts = new List<WorldFact>();
            foreach (var s in root.GetProperty("samples").EnumerateArray())
            {
                string subj = s.GetProperty("subject").GetString()!.Trim();
                string obj = s.GetProperty("object").GetString()!.Trim();
                if (subj.Length == 0 || obj.Length == 0 || !seen.Add(subj)) continue;
                facts.Add(new WorldFact(subj, obj));
            }
            // Paraphrases: every distinct template with one subject slot, the ICL template included.
            var paraphrases = templates.Concat(zs).Where(t => t.Split("{}").Length == 2).Distinct().ToList();
            string category = id.Contains('/') ? id[..id.IndexOf('/')] : "";
            return new WorldRelation(id, name, category, templates[0], paraphrases, facts);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw RelensException.InFile(path, "not a relation file: " + e.Message);
        }
    }

    /// <summary>All relation ids ("category/stem") under the folder, sorted; hparams/ is skipped.</summary>
    public static IReadOnlyList<string> ListIds(string relationsDir) =>
        Directory.EnumerateFiles(relationsDir, "*.json", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(relationsDir, p).Replace('\\', '/')[..^5])
            .Where(id => id.Count(c => c == '/') == 1 && !id.StartsWith("hparams/", StringComparison.Ordinal))
            .OrderBy(id => id, StringComparer.Ordinal).ToList();

    private static List<string> Strings(JsonElement root, string key) =>
        root.GetProperty(key).EnumerateArray().Select(e => e.GetString()!).ToList();
}
