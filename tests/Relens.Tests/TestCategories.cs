namespace Relens.Tests;

/// <summary>
/// Test categories, given as <c>[Trait(TestCategories.Name, TestCategories.X)]</c> on a test class (or method), so that
/// <c>dotnet test --filter</c> gives a fast inner loop, e.g. without the browser and the cluster:
/// <c>dotnet test Relens.slnx -c Release --filter "Category!=Browser&amp;Category!=Slurm"</c>. A test may carry several.
/// CI (.ci/run) runs every test, whatever its category.
/// </summary>
public static class TestCategories
{
    public const string Name = "Category";

    /// <summary>Reads ../shared/golden (the tiny checkpoints, their tokenizers or the reference outputs).</summary>
    public const string Golden = "Golden";

    /// <summary>Drives Debian's Chromium through Playwright (/usr/bin/chromium; .ci/install-deps installs it).</summary>
    public const string Browser = "Browser";

    /// <summary>Starts the built `relens` CLI as a separate process.</summary>
    public const string Cli = "Cli";

    /// <summary>Starts a real single-node Slurm cluster (.ci/slurm-up; skipped where Slurm is not installed).</summary>
    public const string Slurm = "Slurm";

    /// <summary>Packs the CLI as a .NET tool and installs it with `dotnet tool install` (minutes).</summary>
    public const string Package = "Package";
}
