using Relens.Cli.Commands;

namespace Relens.Cli;

/// <summary>The commands of `relens`, in the order `relens help` lists them; each lives in Commands/ in a file of its own.</summary>
public static class CommandList
{
    public static ICommand[] Create() =>
    [
        new DoctorCommand(), new InspectCommand(), new RunCommand(), new ReportCommand(), new MergeCommand(), new SlurmCommand(),
        new EstimateCommand(), new EvalCommand(), new LensCommand(), new WorldCommand(), new ServeCommand(), new ModelInitCommand(),
        new BenchCommand(), new TraceCommand(), new EditCommand(), new CompareCommand(),
    ];
}
