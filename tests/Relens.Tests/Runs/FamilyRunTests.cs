using Relens.Cli.Commands;
using Relens.Reporting;
using Relens.Sweeps;

namespace Relens.Tests.Runs;

/// <summary>`relens run --only` one relation on each newer-family golden folder: one trial, one layer, one β.</summary>
[Trait(TestCategories.Name, TestCategories.Golden)]
public class FamilyRunTests
{
    /// <summary>
    /// The run loads the family's folder, reads the ICL prompts' states and applies the known-fact filter. Random
    /// weights know no capitals (the trial is then skipped, as the protocol says); the LRE on these folders is
    /// checked by BlockWiringTests.LreEstimateRunsAndIsFinite and the Jacobian by JacobianTests.
    /// </summary>
    [Theory]
    [InlineData("qwen2-tiny", "qwen2")]
    [InlineData("gemma2-tiny", "gemma2")]
    [InlineData("phi3-tiny", "phi3")]
    public void RunOnOneRelationCompletes(string model, string modelType)
    {
        string output = Path.Combine(TestPaths.NewTempDir($"family-run-{model}"), "out");
        var console = new StringWriter();
        var command = new RunCommand(null, console);
        int code = command.Run(["--model", TestPaths.Golden(model), "--relations", TestPaths.Relations, "--only", "country capital city", "--trials", "1",
            "--shots", "3", "--layers", "1", "--betas", "2.25", "--ranks", "full", "--out", output, "--no-progress"]);
        Assert.True(code == 0, console.ToString());
        Assert.Contains($"({modelType}, 4 layers, d = 64)", console.ToString());
        Assert.Contains("country capital city trial 0:", console.ToString());
        var folder = new RunFolder(output);
        Assert.True(File.Exists(folder.SummaryPath) && File.Exists(folder.ReportPath));
        Assert.Contains(folder.LoadRecords(), r => r.Metric == SweepMetrics.KnownCount);
    }
}
