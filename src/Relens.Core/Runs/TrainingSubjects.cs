namespace Relens.Runs;

/// <summary>The --train-subjects file of `relens estimate`: one subject per line, in order.</summary>
public static class TrainingSubjects
{
    /// <summary>Non-blank lines, trimmed of the line break and surrounding white space (subjects never start or end with it).</summary>
    public static IReadOnlyList<string> Read(string path)
    {
        string full = Path.GetFullPath(path);
        if (!File.Exists(full)) throw RelensException.InFile(full, "training-subjects file not found");
        var subjects = File.ReadAllLines(full).Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        if (subjects.Count == 0) throw RelensException.InFile(full, "holds no subjects (expected one subject per line)");
        return subjects;
    }
}
