using System.CommandLine;

namespace Relens.Cli;

/// <summary>One `relens NAME ...` command. Commands are thin: their options (System.CommandLine) and a call into the library.</summary>
public interface ICommand
{
    string Name { get; }
    string Summary { get; }
    /// <summary>The parser's command: options, subcommands, and the action doing the work.</summary>
    Command Command { get; }
    /// <summary>Runs `relens NAME args` in this process and returns the exit code; input errors are thrown as RelensException.</summary>
    int Run(IReadOnlyList<string> args);
}
