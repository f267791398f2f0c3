using System.Diagnostics;
using System.Text.RegularExpressions;
using Relens.Cli.Commands;
using Relens.Reporting;
using Xunit.Abstractions;

namespace Relens.Tests.Runs.Shards;

/// <summary>
/// `relens slurm submit --shards 3` on a real single-node Slurm cluster (.ci/slurm-up: munged, slurmctld, slurmd
/// on this machine): the array's three shards and the merge job run under Slurm, and the merged summary.json is
/// the unsharded run's. Skipped, saying so, where Slurm is not installed; CI installs it (.ci/install-deps) and
/// .ci/run fails if this test did not run there.
/// </summary>
[Trait("Category", "Slurm")]
[Trait(TestCategories.Name, TestCategories.Golden)]
[Trait(TestCategories.Name, TestCategories.Slurm)]
public class SlurmClusterTests(ITestOutputHelper output)
{
    private static readonly TimeSpan JobsBound = TimeSpan.FromMinutes(8);

    [SkippableFact]
    public void SlurmSubmitRunsTheShardsAndTheMergeAndMatchesTheUnshardedRun()
    {
        string up = Path.Combine(TestPaths.RepoRoot, ".ci", "slurm-up"), down = Path.Combine(TestPaths.RepoRoot, ".ci", "slurm-down");
        string state = Path.Combine("/tmp", $"rsl-{Guid.NewGuid():N}"[..12]);   // munge's socket path must stay short
        var started = Shell("bash", [up, state], null, TimeSpan.FromMinutes(2));
        Skip.If(started.Code == 3, $"Slurm is not installed here, so the real-cluster test is skipped ({started.Err.Trim()}); CI installs slurm-wlm and munge");
        Assert.True(started.Code == 0, $".ci/slurm-up failed ({started.Code}): {started.Out}{started.Err}\n{Logs(state)}");
        output.WriteLine(started.Out.Trim());
        var env = new Dictionary<string, string> { ["SLURM_CONF"] = Path.Combine(state, "slurm.conf") };
        try
        {
            string root = TestPaths.NewTempDir("slurm");
            string relations = Gpt2TinyRelations.Write(Path.Combine(root, "relations"), count: 2);
            string[] Args(string outDir) =>
                ["--model", Gpt2TinyRelations.Model, "--relations", relations, "--shots", "1", "--trials", "2", "--layers", "emb,2",
                 "--betas", "2", "--beta", "2", "--ranks", "0,full", "--out", outDir];
            string reference = Path.Combine(root, "unsharded"), sharded = Path.Combine(root, "sharded");
            // the reference with the threads each array task gets (--cpus 1), so even float sums agree
            var unsharded = Shell("dotnet", [Relens, "run", .. Args(reference), "--no-progress"], new() { ["OMP_NUM_THREADS"] = "1" }, TimeSpan.FromMinutes(5));
            Assert.True(unsharded.Code == 0, unsharded.Out + unsharded.Err);

            var submit = Shell("dotnet", [Relens, "slurm", "submit", "--shards", "3", "--cpus", "1", "--time", "20:00", "--", .. Args(sharded)], env, TimeSpan.FromMinutes(1));
            Assert.True(submit.Code == 0, submit.Out + submit.Err);
            output.WriteLine(submit.Out.Trim());
            var ids = Regex.Match(submit.Out, @"submitted array job (\d+) .* merge job (\d+)");
            Assert.True(ids.Success, submit.Out);
            string jobs = $"{ids.Groups[1].Value},{ids.Groups[2].Value}";

            var clock = Stopwatch.StartNew();
            string queue;
            output.WriteLine(Shell("squeue", ["-j", jobs], env, TimeSpan.FromSeconds(30)).Out.Trim());
            while ((queue = Shell("squeue", ["-h", "-j", jobs], env, TimeSpan.FromSeconds(30)).Out.Trim()).Length > 0)
            {
                Assert.True(clock.Elapsed < JobsBound, $"the jobs did not finish in {JobsBound}: {queue}\n{Logs(state)}\n{JobLogs(sharded)}");
                Thread.Sleep(1000);
            }
            // a test cluster has no accounting database: sacct reads its job-completion file (every job of this fresh cluster)
            var sacct = Shell("sacct", ["--completion", "--format=JobID,JobName%16,State,Elapsed,ExitCode"], env, TimeSpan.FromSeconds(30));
            output.WriteLine(sacct.Out.Trim());
            output.WriteLine($"Slurm test ran: array {ids.Groups[1].Value} (3 tasks) and merge {ids.Groups[2].Value} finished in {clock.Elapsed.TotalSeconds:0} s");

            var summary = new RunFolder(sharded).SummaryPath;
            Assert.True(File.Exists(summary), $"the merge job wrote no summary.json\n{sacct.Out}\n{JobLogs(sharded)}");
            Assert.Equal(3, Regex.Matches(sacct.Out, @"relens-shards\s+COMPLETED").Count);
            Assert.Single(Regex.Matches(sacct.Out, @"relens-merge\s+COMPLETED"));
            Assert.Equal(File.ReadAllText(new RunFolder(reference).SummaryPath), File.ReadAllText(summary));
            Assert.Equal(3, new RunFolder(sharded).LoadInfo().Shards);
        }
        finally
        {
            var stopped = Shell("bash", [down, state], null, TimeSpan.FromMinutes(1));
            output.WriteLine($"slurm-down: exit {stopped.Code} {stopped.Err.Trim()}");
        }
    }

    private static string Relens => Path.Combine(AppContext.BaseDirectory, "relens.dll");

    private static string Logs(string state) =>
        string.Join("\n", Directory.Exists(Path.Combine(state, "log")) ? Directory.GetFiles(Path.Combine(state, "log")).Select(f => $"--- {f}\n{Tail(f)}") : []);

    private static string JobLogs(string outDir)
    {
        string dir = Path.Combine(outDir, "slurm", "logs");
        return string.Join("\n", Directory.Exists(dir) ? Directory.GetFiles(dir).Select(f => $"--- {f}\n{Tail(f)}") : []);
    }

    private static string Tail(string file)
    {
        var lines = File.ReadAllLines(file);
        return string.Join("\n", lines.Skip(Math.Max(0, lines.Length - 30)));
    }

    private static (int Code, string Out, string Err) Shell(string file, IEnumerable<string> args, Dictionary<string, string>? env, TimeSpan bound)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["CI"] = "true";
        foreach (var (k, v) in env ?? []) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(bound)) { p.Kill(true); Assert.Fail($"{file} {string.Join(' ', args)} did not finish in {bound}"); }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
