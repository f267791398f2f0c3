using Relens.Cli.Commands;
using Relens.Runs.Shards;

namespace Relens.Tests.Runs.Shards;

/// <summary>`relens slurm submit --dry-run`: the scripts it writes, and the options it refuses, without a cluster.</summary>
[Trait(TestCategories.Name, TestCategories.Golden)]
public class SlurmSubmitScriptTests
{
    [Fact]
    public void DryRunWritesTheArrayAndTheMergeScriptAndSubmitsNothing()
    {
        string outDir = Path.Combine(TestPaths.NewTempDir("slurm-dry"), "out");
        var console = new StringWriter();
        var command = new SlurmCommand(console);
        Assert.Equal(0, command.Run(["submit", "--shards", "4", "--partition", "cpu", "--time", "2:00:00", "--cpus", "8", "--dry-run", "--relens", "/opt/relens/relens",
            "--", "--model", Gpt2TinyRelations.Model, "--only", "country capital city", "--out", outDir, "--resume"]));
        Assert.Null(command.LastJobs);
        Assert.Contains("dry run: nothing submitted", console.ToString());

        string array = File.ReadAllText(SlurmScripts.ArrayScriptPath(outDir));
        Assert.Contains("#SBATCH --array=0-3\n", array);
        Assert.Contains("#SBATCH --partition=cpu\n", array);
        Assert.Contains("#SBATCH --time=2:00:00\n", array);
        Assert.Contains("#SBATCH --cpus-per-task=8\n", array);
        Assert.Contains($"#SBATCH --output={outDir}/slurm/logs/shard-%a.out\n", array);
        // the run's options as given (quoted for bash), --out once and absolute, then the task's shard
        Assert.Contains($"exec /opt/relens/relens run --model {Gpt2TinyRelations.Model} --only 'country capital city' --out {outDir} --shard \"${{SLURM_ARRAY_TASK_ID}}/4\" --resume --no-progress\n", array);
        Assert.Contains($"exec /opt/relens/relens merge {outDir}\n", File.ReadAllText(SlurmScripts.MergeScriptPath(outDir)));
    }

    [Theory]
    [InlineData("--shard", "the array sets each task's shard")]
    [InlineData("--layer", "unknown option --layer")]
    public void RunOptionsTheArrayCannotTakeAreRefusedBeforeAnythingIsWritten(string option, string expected)
    {
        string outDir = Path.Combine(TestPaths.NewTempDir("slurm-bad"), "out");
        var e = Assert.Throws<RelensException>(() => new SlurmCommand(new StringWriter()).Run(["submit", "--shards", "2", "--dry-run", "--", option, "1/2", "--out", outDir]));
        Assert.Contains(expected, e.Message);
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    public void TheNewCommandsAnswerHelpWithoutWork()
    {
        var console = new StringWriter();
        Assert.Equal(0, new SlurmCommand(console).Run(["submit", "--help"]));
        Assert.Equal(0, new MergeCommand(null, console).Run(["--help"]));
        Assert.Contains("relens slurm submit --shards N", console.ToString());
        Assert.Contains("relens merge OUT", console.ToString());
    }
}
