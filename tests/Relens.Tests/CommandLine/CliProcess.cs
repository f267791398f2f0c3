using System.Diagnostics;

namespace Relens.Tests.CommandLine;

/// <summary>Runs the built `relens` CLI (copied beside the tests by the project reference) as a separate process.</summary>
public static class CliProcess
{
    public static (int ExitCode, string Stdout, string Stderr) Run(params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "relens.dll");
        Assert.True(File.Exists(dll), $"the CLI was not built beside the tests: {dll}");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["CI"] = "true";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(3))) { p.Kill(true); Assert.Fail($"relens {string.Join(' ', args)} did not finish in 3 minutes"); }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
