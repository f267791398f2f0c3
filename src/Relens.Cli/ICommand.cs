namespace Relens.Cli;

/// <summary>One `relens NAME ...` sub-command. Commands are thin: they parse options and call the library.</summary>
public interface ICommand
{
    string Name { get; }
    string Summary { get; }
    /// <summary>Runs the command; returns the process exit code.</summary>
    int Run(IReadOnlyList<string> args);
}
