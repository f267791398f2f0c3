namespace Relens.Editing;

/// <summary>
/// The edits TSV: one edit per line, three tab-separated columns (subject, relation, new object). Blank
/// lines and lines starting with '#' are skipped, and so is a first line "subject\trelation\tnew_object".
/// </summary>
public static class EditFile
{
    public static IReadOnlyList<EditRequest> Read(string path)
    {
        if (!File.Exists(path)) throw RelensException.InFile(path, "edits file does not exist");
        string[] lines;
        try { lines = File.ReadAllLines(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw RelensException.InFile(path, $"cannot be read ({e.Message})"); }
        return Parse(lines, Path.GetFileName(path), path);
    }

    public static IReadOnlyList<EditRequest> Parse(IReadOnlyList<string> lines, string name, string? path = null)
    {
        var edits = new List<EditRequest>();
        for (int i = 0; i < lines.Count; i++)
        {
            string line = lines[i].TrimEnd('\r');
            if (line.Trim().Length == 0 || line.TrimStart().StartsWith('#')) continue;
            var cols = line.Split('\t').Select(c => c.Trim()).ToArray();
            if (edits.Count == 0 && cols.Length == 3 && cols[0].Equals("subject", StringComparison.OrdinalIgnoreCase)
                && cols[1].Equals("relation", StringComparison.OrdinalIgnoreCase)) continue;
            string where = $"{name} line {i + 1}";
            if (cols.Length != 3 || cols.Any(c => c.Length == 0))
                throw new RelensException($"{where}: expected 3 tab-separated columns (subject, relation, new object), got "
                    + (cols.Length != 3 ? $"{cols.Length}" : "an empty column") + $": \"{line}\"") { Path = path };
            edits.Add(new EditRequest(cols[0], cols[1], cols[2], where));
        }
        if (edits.Count == 0) throw new RelensException($"{name}: holds no edits (expected lines \"subject<TAB>relation<TAB>new object\")") { Path = path };
        var twice = edits.GroupBy(e => (e.Subject, e.Relation)).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null)
            throw new RelensException($"{twice.ElementAt(1).Source}: '{twice.Key.Subject}' / '{twice.Key.Relation}' is already edited at {twice.First().Source}") { Path = path };
        return edits;
    }
}
