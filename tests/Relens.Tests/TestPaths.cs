namespace Relens.Tests;

/// <summary>Locates ../shared (golden models, relations) beside the repository checkout.</summary>
public static class TestPaths
{
    public static string RepoRoot { get; } = FindRepoRoot();
    // ../shared beside the checkout (CI); RELENS_SHARED overrides it (git worktrees elsewhere).
    public static string Shared { get; } =
        Environment.GetEnvironmentVariable("RELENS_SHARED") is { Length: > 0 } s ? s
        : Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared"));
    public static string Golden(string name) => Path.Combine(Shared, "golden", name);
    public static string Relations => Path.Combine(Shared, "relations");

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Relens.slnx"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Relens.slnx not found above " + AppContext.BaseDirectory);
    }

    /// <summary>A fresh temporary folder, removed by the OS's tmp cleaning; tests keep what they write there.</summary>
    public static string NewTempDir(string tag)
    {
        var d = Path.Combine(Path.GetTempPath(), "relens-tests", tag + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(d);
        return d;
    }
}
