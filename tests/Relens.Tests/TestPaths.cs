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

    /// <summary>A fresh temporary folder inside this test process's own folder, which is deleted when the process exits
    /// (set RELENS_KEEP_TEST_FILES=1 to keep it): nothing cleans /tmp on CI machines, and one run writes about 1 GB
    /// (the tool-package test's install alone is 0.9 GB).</summary>
    public static string NewTempDir(string tag)
    {
        var d = Path.Combine(RunFolder.Value, tag + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(d);
        return d;
    }

    private static readonly Lazy<string> RunFolder = new(() =>
    {
        var root = Path.Combine(Path.GetTempPath(), "relens-tests", $"run-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}");
        Directory.CreateDirectory(root);
        if (Environment.GetEnvironmentVariable("RELENS_KEEP_TEST_FILES") is null)
            AppDomain.CurrentDomain.ProcessExit += (_, _) =>
            {
                try { Directory.Delete(root, recursive: true); }
                catch (IOException) { } // a file still open by a child process: left for the OS
                catch (UnauthorizedAccessException) { }
            };
        return root;
    });
}
