using Relens.Cli;
using Relens.Cli.CommandLine;
using Relens.Cli.Commands;

return CliRunner.Execute(args, CommandList.Create(), command =>
{
    // Before the first torch call (libgomp reads it when libtorch loads): OpenMP threads sleep instead of spinning
    // while they wait, which keeps training and Jacobians fast when other jobs share the cores. `bench` sets its own.
    if (command is not BenchCommand) Relens.Runtime.OpenMpEnvironment.PreferWaitPolicy("PASSIVE");
    Relens.Runtime.NumericalReproducibility.Apply();
});
