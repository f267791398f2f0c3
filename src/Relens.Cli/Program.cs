using Relens.Cli;
using Relens.Cli.CommandLine;
using Relens.Cli.Commands;

// The commands; each lives in Commands/ in a file of its own and builds its System.CommandLine command there.
ICommand[] commands =
[
    new DoctorCommand(), new InspectCommand(), new RunCommand(), new ReportCommand(), new MergeCommand(), new SlurmCommand(),
    new EstimateCommand(), new EvalCommand(), new LensCommand(), new WorldCommand(), new ServeCommand(), new ModelInitCommand(),
    new BenchCommand(), new TraceCommand(), new EditCommand(), new CompareCommand(),
];

return CliRunner.Main(args, commands, command =>
{
    // Before the first torch call (libgomp reads it when libtorch loads): OpenMP threads sleep instead of spinning
    // while they wait, which keeps training and Jacobians fast when other jobs share the cores. `bench` sets its own.
    if (command is not BenchCommand) Relens.Runtime.OpenMpEnvironment.PreferWaitPolicy("PASSIVE");
    Relens.Runtime.NumericalReproducibility.Apply();
});
