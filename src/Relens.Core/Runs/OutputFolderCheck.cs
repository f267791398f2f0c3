namespace Relens.Runs;

/// <summary>Checks an output folder before long work starts: it can be written, and is not an old run by accident.</summary>
public static class OutputFolderCheck
{
    /// <summary>
    /// Proves <paramref name="directory"/> writable by creating it if needed and writing and deleting a file in it
    /// (permissions, read-only mounts and a file in the way all show up only when writing); folders created for the
    /// probe are removed again, so a run refused later leaves nothing behind. Without <paramref name="resume"/>, a
    /// folder that already holds files is an error, so a finished run is never mixed with a new one.
    /// </summary>
    public static void Check(string directory, bool resume, string option = "--out")
    {
        string full = Path.GetFullPath(directory);
        if (File.Exists(full)) throw RelensException.InFile(full, $"the output folder is a file; choose another {option}");
        if (!resume && Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any())
            throw RelensException.InFile(full, $"the output folder already holds files: pass --resume to continue that run, or choose another {option}");
        string? created = TopmostMissing(full);
        string probe = Path.Combine(full, $".relens-write-test-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(full);
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw RelensException.InFile(full, $"the output folder cannot be written ({e.Message}); choose another {option}");
        }
        finally
        {
            if (created is not null && Directory.Exists(created)) Directory.Delete(created, recursive: true);
        }
    }

    /// <summary>
    /// Checks, before the work that produces them, that each of <paramref name="files"/> can be written: its folder is
    /// writable (<see cref="Check"/>) and no folder stands where the file goes. Existing files will be replaced.
    /// </summary>
    public static void CheckFiles(string option, params string[] files)
    {
        foreach (var file in files.Select(Path.GetFullPath))
        {
            if (Directory.Exists(file)) throw RelensException.InFile(file, $"is a folder, so the file cannot be written there; choose another {option}");
            Check(Path.GetDirectoryName(file)!, resume: true, option);
        }
    }

    /// <summary>The outermost folder on the way to <paramref name="full"/> that does not exist yet (null if it exists).</summary>
    private static string? TopmostMissing(string full)
    {
        string? missing = null;
        for (var dir = new DirectoryInfo(full); dir is not null && !dir.Exists; dir = dir.Parent)
        {
            if (File.Exists(dir.FullName)) return missing;   // a file in the way: CreateDirectory fails, nothing to remove
            missing = dir.FullName;
        }
        return missing;
    }
}
