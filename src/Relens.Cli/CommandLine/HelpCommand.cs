using System.CommandLine;

namespace Relens.Cli.CommandLine;

/// <summary>`relens help [NAME [SUBCOMMAND]]`: the listing of commands, or one command's help (= `relens NAME --help`).</summary>
public static class HelpCommand
{
    public static Command Create(RootCommand root)
    {
        var names = new Argument<string[]>("command") { HelpName = "NAME", Description = "a command (and subcommand), e.g. run or model init", Arity = ArgumentArity.ZeroOrMore };
        var help = new CliCommand("help", "list the commands, or show one command's options: relens help NAME") { Usage = ["relens help [NAME [SUBCOMMAND]]"] };
        help.Add(names);
        help.SetAction(r =>
        {
            var asked = r.GetValue(names) ?? [];
            Command command = root;
            foreach (var name in asked)
                command = command.Subcommands.FirstOrDefault(c => c.Name == name)
                    ?? throw new RelensException($"'{string.Join(' ', asked)}' is not a command; {ParseErrors.Suggestion(name, command.Subcommands.Select(c => c.Name))}".TrimEnd(' ', ';'));
            r.InvocationConfiguration.Output.Write(command == root ? CliRoot.Listing(root) : HelpText.Of(command, "relens " + string.Join(' ', asked)));
            return 0;
        });
        return help;
    }
}
