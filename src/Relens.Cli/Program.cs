using Relens;
using Relens.Cli;

// Sub-commands are registered here; each lives in Commands/ in a file of its own.
ICommand[] commands =
[
    new Relens.Cli.Commands.DoctorCommand(),
    new Relens.Cli.Commands.InspectCommand(),
    new Relens.Cli.Commands.RunCommand(),
    new Relens.Cli.Commands.ReportCommand(),
    new Relens.Cli.Commands.MergeCommand(),
    new Relens.Cli.Commands.SlurmCommand(),
    new Relens.Cli.Commands.EstimateCommand(),
    new Relens.Cli.Commands.EvalCommand(),
    new Relens.Cli.Commands.LensCommand(),
    new Relens.Cli.Commands.WorldCommand(),
    new Relens.Cli.Commands.ServeCommand(),
    new Relens.Cli.Commands.ModelInitCommand(),
    new Relens.Cli.Commands.BenchCommand(),
    new Relens.Cli.Commands.TraceCommand(),
    new Relens.Cli.Commands.EditCommand(),
    new Relens.Cli.Commands.CompareCommand(),
];

if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
{
    // `relens help NAME` is `relens NAME --help`
    if (args.Length > 1 && commands.FirstOrDefault(c => c.Name == args[1]) is { } asked)
    {
        Console.WriteLine(Relens.Cli.Output.Usage.Of(asked).Trim());
        return 0;
    }
    var listing = args.Length == 0 ? Console.Error : Console.Out;
    listing.WriteLine("relens — linear relational embeddings in transformer language models\n\nCommands:");
    foreach (var c in commands) listing.WriteLine($"  {c.Name,-14} {c.Summary}");
    listing.WriteLine("\n`relens NAME --help` (or -h) shows a command's options.");
    return args.Length == 0 ? 2 : 0;
}

var command = commands.FirstOrDefault(c => c.Name == args[0]);
if (command is null)
{
    Console.Error.WriteLine($"relens: unknown command '{args[0]}'. Commands: {string.Join(", ", commands.Select(c => c.Name))}");
    return 2;
}
// help before anything else: no command starts its work (a benchmark, a training) on --help or -h
if (Relens.Cli.Output.Usage.Requested(args[1..]))
{
    Console.WriteLine(Relens.Cli.Output.Usage.Of(command).Trim());
    return 0;
}
// Before the first torch call (libgomp reads it when libtorch loads): OpenMP threads sleep instead of spinning
// while they wait, which keeps training and Jacobians fast when other jobs share the cores. `bench` sets its own.
if (command is not Relens.Cli.Commands.BenchCommand) Relens.Runtime.OpenMpEnvironment.PreferWaitPolicy("PASSIVE");
Relens.Runtime.NumericalReproducibility.Apply();
try
{
    return command.Run(args[1..]);
}
catch (RelensException e)
{
    Console.Error.WriteLine($"relens {command.Name}: error: {e.Message}");
    return 2;
}
catch (Exception e)
{
    // the last resort: causes are fixed where they arise; whatever is left is a runtime failure, reported without a stack trace
    Console.Error.WriteLine($"relens {command.Name}: error: {e.GetType().Name}: {e.Message} (an internal failure: please report it with the command line)");
    return 1;
}
