using Relens.Cli.Commands;
using Relens.Models;
using Relens.Relations;
using Relens.Runs;
using Relens.Tests.Lre;

namespace Relens.Tests.Runs;

/// <summary>
/// One `relens run` through the CLI command on the exactly linear model (<see cref="LinearWorld"/>) with two
/// relations it knows by construction, in two categories: 2 trials × 3 layers each. Shared by the tests that
/// inspect its output folder.
/// </summary>
public sealed class LinearWorldRun
{
    public const string ModelName = "(linear world)";
    // small grids keep the test fast (the 50k-token GPT-2 vocabulary makes each decode cost); full rank 16 is in
    public static readonly string[] Settings = ["--trials", "2", "--shots", "4", "--layers", "all", "--beta", "1", "--betas", "0.5,1,2", "--ranks", "0,4,8,full"];
    public const int UnitsPerRun = 2 * 2 * 3;

    public LinearWorldRun()
    {
        Root = TestPaths.NewTempDir("run-e2e");
        RelationsDir = WriteRelations(Path.Combine(Root, "relations"));
        Output = Path.Combine(Root, "out");
        var console = new StringWriter();
        Command = new RunCommand(_ => Load(), console);
        ExitCode = Command.Run([.. Settings, "--model", ModelName, "--relations", RelationsDir, "--out", Output]);
        ConsoleText = console.ToString();
    }

    public string Root { get; }
    public string RelationsDir { get; }
    public string Output { get; }
    public RunCommand Command { get; }
    public int ExitCode { get; }
    public string ConsoleText { get; }

    /// <summary>A fresh copy of the (deterministic) model, as a CLI loader would give.</summary>
    public static LanguageModel Load() => LinearWorld.Build().Lm;

    public static string WriteRelations(string dir)
    {
        using var lm = Load();
        return TinyRelations.WriteFolder(dir,
            ("factual", "linear capital", "The capital city of {} is", LinearWorld.Facts(lm, "The capital city of {} is")),
            ("commonsense", "linear anthem", "The national anthem of {} is called", LinearWorld.Facts(lm, "The national anthem of {} is called")));
    }

    public RelationDataset Dataset => RelationDataset.Load(RelationsDir);
}
