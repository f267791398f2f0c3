namespace Relens.Relations;

/// <summary>Finds the relation data folder (the paper's data/, shipped as ../shared/relations).</summary>
public static class RelationDataRoot
{
    /// <summary>Environment variable naming the relations folder when no folder is given explicitly.</summary>
    public const string EnvironmentVariable = "RELENS_DATA";

    /// <summary>
    /// The relations folder, in order of preference: <paramref name="explicitFolder"/> (e.g. a CLI
    /// option); else $RELENS_DATA; else the first "shared/relations" holding relation files found
    /// walking up from the current directory and then from the application's folder (this finds
    /// ../shared/relations beside a repository checkout). A named folder that is missing or holds no
    /// relation files is an error rather than a reason to look elsewhere, so a typo is never masked.
    /// </summary>
    public static string Resolve(string? explicitFolder = null) =>
        Resolve(explicitFolder, Environment.GetEnvironmentVariable(EnvironmentVariable),
                [Directory.GetCurrentDirectory(), AppContext.BaseDirectory]);

    internal static string Resolve(string? explicitFolder, string? environmentValue, IReadOnlyList<string> searchFrom)
    {
        if (!string.IsNullOrWhiteSpace(explicitFolder)) return Checked(explicitFolder, "the folder given");
        if (!string.IsNullOrWhiteSpace(environmentValue)) return Checked(environmentValue, $"${EnvironmentVariable}");

        var looked = new List<string>();
        foreach (var start in searchFrom)
            for (var dir = new DirectoryInfo(Path.GetFullPath(start)); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "shared", "relations");
                if (looked.Contains(candidate)) continue;
                looked.Add(candidate);
                if (Directory.Exists(candidate) && RelationDataset.FindRelationFiles(candidate).Count > 0) return candidate;
            }
        throw new RelensException(
            $"relation data not found: no folder given, ${EnvironmentVariable} is not set, and none of these holds relation files: "
            + string.Join(", ", looked) + ". Pass the folder of the paper's relation JSONs or set $" + EnvironmentVariable + ".");
    }

    private static string Checked(string folder, string origin)
    {
        string full = Path.GetFullPath(folder);
        if (!Directory.Exists(full))
            throw RelensException.InFile(full, $"relation folder ({origin}) does not exist");
        if (RelationDataset.FindRelationFiles(full).Count == 0)
            throw RelensException.InFile(full, $"relation folder ({origin}) holds no relation files (*.json) in it or its category subfolders");
        return full;
    }
}
