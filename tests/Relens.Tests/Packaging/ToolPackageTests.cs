using System.Diagnostics;
using Relens.Runtime;
using Xunit.Abstractions;

namespace Relens.Tests.Packaging;

/// <summary>
/// README's "Install as a .NET tool", as a user does it: `dotnet pack` of the CLI into a folder, `dotnet tool install`
/// from that folder into a tool path, then `relens --help` and `relens doctor` from the installed tool. Only the
/// folder is a package source (a nuget.config of its own clears the others), so nothing is fetched: the packages the
/// build restored are all it needs. The installed libLibTorchSharp.so must carry the GLIBCXX patch
/// (build/LibTorchSharpGlibcxx.targets), or libtorch would not load on Debian 12.
/// </summary>
[Trait(TestCategories.Name, TestCategories.Package)]
public class ToolPackageTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(15);

    [Fact]
    public void PackedToolInstallsAndItsHelpAndDoctorRun()
    {
        var root = TestPaths.NewTempDir("tool-package");
        string artifacts = Path.Combine(root, "artifacts"), tools = Path.Combine(root, "tools"), config = Path.Combine(root, "nuget.config");
        File.WriteAllText(config, "<configuration><packageSources><clear /></packageSources></configuration>");

        var clock = Stopwatch.StartNew();
        Run("dotnet", "pack", Path.Combine(TestPaths.RepoRoot, "src", "Relens.Cli"), "-c", "Release", "-o", artifacts, "--nologo");
        var packed = clock.Elapsed;
        var packages = Directory.GetFiles(artifacts, "*.nupkg").Select(Path.GetFileName).Order().ToList();
        Assert.Contains(packages, p => p!.StartsWith("relens.linux-x64.", StringComparison.Ordinal));
        Assert.Contains(packages, p => p!.StartsWith("relens.", StringComparison.Ordinal) && !p.StartsWith("relens.linux-x64.", StringComparison.Ordinal));

        clock.Restart();
        Run("dotnet", "tool", "install", "relens", "--tool-path", tools, "--add-source", artifacts, "--configfile", config);
        var installed = clock.Elapsed;
        string relens = Path.Combine(tools, "relens");
        Assert.True(File.Exists(relens), $"`dotnet tool install` left no {relens}");

        // the installed tool's folder (tools/.store/relens.linux-x64/…) holds one patched copy of the library
        var app = Path.GetDirectoryName(Assert.Single(Directory.GetFiles(tools, "relens.dll", SearchOption.AllDirectories)))!;
        var native = NativeLibraryInfo.FindLibTorchSharp(app);
        Assert.True(native is not null, $"no libLibTorchSharp.so in the installed tool's folder {app}");
        Assert.Single(Directory.GetFiles(tools, "libLibTorchSharp.so", SearchOption.AllDirectories));
        Assert.Contains("GLIBCXX_3.4.32", NativeLibraryInfo.WeakVersionNeeds(File.ReadAllBytes(native)));

        clock.Restart();
        var help = Run(relens, "--help");
        Assert.Contains("doctor", help);
        var doctor = Run(relens, "doctor");
        Assert.Contains("(loaded)", doctor);
        Assert.Matches(@"Matmul f32 1024x1024x1024: \d+(\.\d+)? GFLOP/s", doctor);
        output.WriteLine($"pack {packed.TotalSeconds:F0} s, install {installed.TotalSeconds:F0} s, help + doctor {clock.Elapsed.TotalSeconds:F0} s; "
            + $"packages: {string.Join(", ", packages.Select(p => $"{p} ({new FileInfo(Path.Combine(artifacts, p!)).Length / 1e6:F0} MB)"))}");
    }

    /// <summary>Runs a command to its end; returns its standard output, and fails with both outputs unless it exits 0.</summary>
    private string Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        psi.Environment["CI"] = "true";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        string line = $"{Path.GetFileName(file)} {string.Join(' ', args)}";
        if (!p.WaitForExit(Limit)) { p.Kill(true); Assert.Fail($"{line} did not finish in {Limit.TotalMinutes} minutes"); }
        output.WriteLine($"$ {line}: exit {p.ExitCode}");
        Assert.True(p.ExitCode == 0, $"{line} exited {p.ExitCode}\n{Tail(stdout.Result)}\n{Tail(stderr.Result)}");
        return stdout.Result;
    }

    private static string Tail(string text) => string.Join('\n', text.Split('\n').TakeLast(40));
}
