using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using System.Text;

namespace Relens.Cli.CommandLine;

/// <summary>The `relens` root command: the commands under it, the listing `relens help` prints, and how the
/// library is configured (Relens's help; no response files, since a prompt may start with '@').</summary>
public static class CliRoot
{
    public const string Title = "relens — linear relational embeddings in transformer language models";

    public static readonly ParserConfiguration Parsing = new() { ResponseFileTokenReplacer = null };

    public static RootCommand Create(IEnumerable<ICommand> commands, bool withHelpCommand = true)
    {
        var root = new RootCommand(Title);
        foreach (var option in root.Options.OfType<HelpOption>()) option.Action = new HelpText.Action();
        foreach (var command in commands) root.Add(command.Command);
        if (withHelpCommand) root.Add(HelpCommand.Create(root));
        // `relens` alone: the listing, as an input error (a command is missing)
        root.SetAction(r =>
        {
            r.InvocationConfiguration.Error.Write(Listing(root));
            return 2;
        });
        return root;
    }

    /// <summary>"relens model init" for a parse result's command.</summary>
    public static string PathOf(CommandResult result)
    {
        var names = new List<string>();
        for (SymbolResult? r = result; r is CommandResult c; r = c.Parent) names.Add(c.Parent is null ? "relens" : c.Command.Name);
        names.Reverse();
        return string.Join(' ', names);
    }

    public static string Listing(RootCommand root)
    {
        var text = new StringBuilder($"{Title}\n\nUsage: relens COMMAND [options]\n\nCommands:\n");
        foreach (var c in root.Subcommands.Where(c => !c.Hidden)) text.AppendLine($"  {c.Name,-14} {c.Description}");
        text.AppendLine("\n`relens NAME --help` (or -h, or `relens help NAME`) shows a command's options and their defaults;")
            .AppendLine("`relens --version` the version. Shell completion: see README.md (dotnet-suggest).");
        return text.ToString();
    }
}
