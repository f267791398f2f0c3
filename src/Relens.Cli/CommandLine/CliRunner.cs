using System.CommandLine;
using System.CommandLine.Parsing;

namespace Relens.Cli.CommandLine;

/// <summary>
/// Runs a command line: parse, then either print Relens's parse-error messages (exit 2), or invoke what was asked
/// (help, a `[suggest]` completion, a command). The exit codes: 0 done, 2 usage or input error (a parse error or a
/// <see cref="RelensException"/>), 1 runtime failure, never with a stack trace.
/// </summary>
public static class CliRunner
{
    /// <summary>The process: every command under one root. <paramref name="beforeWork"/> runs right before a command's own
    /// work (not for help, completion or a parse error), e.g. to set the environment libtorch reads when it loads.</summary>
    public static int Execute(IReadOnlyList<string> args, IReadOnlyList<ICommand> commands, Action<ICommand> beforeWork)
    {
        var root = CliRoot.Create(commands);
        var result = root.Parse(args, CliRoot.Parsing);
        string who = CliRoot.PathOf(result.CommandResult);
        if (result.Errors.Count > 0 && result.Action is not { ClearsParseErrors: true })
        {
            foreach (var message in ParseErrors.Describe(result)) Console.Error.WriteLine($"{who}: error: {message}");
            Console.Error.WriteLine($"(`{who} --help` shows the usage)");
            return 2;
        }
        if (result.Action is not null && result.Action == result.CommandResult.Command.Action
            && commands.FirstOrDefault(c => Within(result.CommandResult, c.Command)) is { } owner && result.CommandResult.Command.Subcommands.Count == 0)
            beforeWork(owner);
        try
        {
            return result.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null });
        }
        catch (RelensException e)
        {
            Console.Error.WriteLine($"{who}: error: {e.Message}");
            return 2;
        }
        catch (Exception e)
        {
            // the last resort: causes are fixed where they arise; whatever is left is a runtime failure, reported without a stack trace
            Console.Error.WriteLine($"{who}: error: {e.GetType().Name}: {e.Message} (an internal failure: please report it with the command line)");
            return 1;
        }
    }

    /// <summary>One command in this process (tests, embedding, `slurm submit` checking a run's options): help goes to
    /// <paramref name="output"/>; a parse error or a refusal is thrown as a <see cref="RelensException"/>.</summary>
    public static int Run(RootCommand root, ICommand command, IReadOnlyList<string> args, TextWriter? output)
    {
        var result = Parse(root, command, args);
        return result.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null, Output = output ?? Console.Out });
    }

    /// <summary>Parses `relens NAME args`; parse errors are thrown as one <see cref="RelensException"/>.</summary>
    public static ParseResult Parse(RootCommand root, ICommand command, IReadOnlyList<string> args)
    {
        var result = root.Parse([command.Name, .. args], CliRoot.Parsing);
        if (result.Errors.Count > 0 && result.Action is not { ClearsParseErrors: true })
            throw new RelensException(string.Join("; ", ParseErrors.Describe(result)));
        return result;
    }

    private static bool Within(CommandResult result, Command command)
    {
        for (SymbolResult? r = result; r is CommandResult c; r = c.Parent)
            if (c.Command == command) return true;
        return false;
    }
}
