using Relens;
using Relens.Cli;

// Sub-commands are registered here; each lives in Commands/ in a file of its own.
ICommand[] commands =
[
    new Relens.Cli.Commands.DoctorCommand(),
    new Relens.Cli.Commands.InspectCommand(),
    new Relens.Cli.Commands.ModelInitCommand(),
    new Relens.Cli.Commands.BenchCommand(),
];

if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
{
    Console.WriteLine("relens — linear relational embeddings in transformer language models\n\nCommands:");
    foreach (var c in commands) Console.WriteLine($"  {c.Name,-14} {c.Summary}");
    return args.Length == 0 ? 1 : 0;
}

var command = commands.FirstOrDefault(c => c.Name == args[0]);
if (command is null)
{
    Console.Error.WriteLine($"relens: unknown command '{args[0]}'. Commands: {string.Join(", ", commands.Select(c => c.Name))}");
    return 2;
}
try
{
    return command.Run(args[1..]);
}
catch (RelensException e)
{
    Console.Error.WriteLine($"relens {command.Name}: error: {e.Message}");
    return 2;
}
