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

    /// <summary>A fresh temporary folder inside this test process's own folder, which is deleted when the process exits or,
    /// when the test host ends before its exit handler is done (as after a full run), by the next test run (set
    /// RELENS_KEEP_TEST_FILES=1 to keep it): nothing cleans /tmp on CI machines, and one full run writes about 1.8 GB
    /// (the tool-package test's install alone is 0.9 GB).</summary>
    public static string NewTempDir(string tag)
    {
        var d = Path.Combine(RunFolder.Value, tag + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(d);
        return d;
    }

    private static readonly Lazy<string> RunFolder = new(() =>
    {
        string parent = Path.Combine(Path.GetTempPath(), "relens-tests");
        bool keep = Environment.GetEnvironmentVariable("RELENS_KEEP_TEST_FILES") is not null;
        if (!keep) RemoveFinishedRuns(parent);
        var root = Path.Combine(parent, $"run-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}");
        Directory.CreateDirectory(root);
        if (!keep) AppDomain.CurrentDomain.ProcessExit += (_, _) => DeleteQuietly(root);
        return root;
    });

    /// <summary>The folders of earlier test processes that are no longer running. The test host does not always get to
    /// finish its exit handler (after a full run its 1.8 GB are left behind), so each run also clears what the last ones left.</summary>
    private static void RemoveFinishedRuns(string parent)
    {
        if (!Directory.Exists(parent)) return;
        foreach (var dir in Directory.GetDirectories(parent))
        {
            var parts = Path.GetFileName(dir).Split('-');
            bool running = parts is ["run", var pid, _] && int.TryParse(pid, out int id) && IsRunning(id);
            if (!running) DeleteQuietly(dir);
        }
    }

    private static bool IsRunning(int pid)
    {
        try { using var p = System.Diagnostics.Process.GetProcessById(pid); return !p.HasExited; }
        catch (ArgumentException) { return false; }
    }

    /// <summary>Deletes what it can, entry by entry: one file still held by a child process does not keep the rest.</summary>
    private static void DeleteQuietly(string dir)
    {
        foreach (var entry in Directory.EnumerateFileSystemEntries(dir))
        {
            try
            {
                if (Directory.Exists(entry)) Directory.Delete(entry, recursive: true);
                else File.Delete(entry);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        try { Directory.Delete(dir, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
