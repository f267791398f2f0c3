using System.CommandLine;

namespace Relens.Cli.CommandLine;

/// <summary>
/// The common part of the commands in Commands/: the System.CommandLine command is built once (<see cref="Create"/>:
/// its options and the action that calls the library), and <see cref="Run"/> runs it in this process with errors thrown.
/// </summary>
public abstract class CommandBase(TextWriter? output = null) : ICommand
{
    private Command? _command;
    private RootCommand? _root;

    /// <summary>Where the command writes (tests pass a writer); null = the terminal.</summary>
    protected TextWriter? Output => output;

    public abstract string Name { get; }
    public abstract string Summary { get; }
    public Command Command => _command ??= Create();

    /// <summary>The command with its options and action; the action returns the exit code.</summary>
    protected abstract Command Create();

    public int Run(IReadOnlyList<string> args) => CliRunner.Run(_root ??= CliRoot.Create([this], withHelpCommand: false), this, args, output);
}
