using System.Collections;
using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Globalization;
using System.Text;

namespace Relens.Cli.CommandLine;

/// <summary>
/// `relens NAME --help|-h` and `relens help NAME`: usage lines, what the command does, then every option with its value
/// name, description and default, all read off the command's System.CommandLine symbols, so help cannot drift
/// from what is parsed. Printed instead of running, so no command starts work on a help request.
/// </summary>
public static class HelpText
{
    private const int Width = 100;

    /// <summary>The help of <paramref name="command"/>, whose place under the root is <paramref name="path"/> ("relens model init").</summary>
    public static string Of(Command command, string path)
    {
        var text = new StringBuilder();
        var cli = command as CliCommand;
        IReadOnlyList<string> usage = cli?.Usage is { Count: > 0 } u ? u : [DefaultUsage(command, path)];
        foreach (var line in usage) text.AppendLine(line);
        text.AppendLine();
        foreach (var paragraph in new[] { command.Description, cli?.Details }.Where(p => !string.IsNullOrWhiteSpace(p)))
            text.AppendLine(Wrap(paragraph!.Trim(), 0)).AppendLine();

        var arguments = command.Arguments.Where(a => !a.Hidden).Select(a => (a.HelpName ?? a.Name.ToUpperInvariant(), a.Description ?? "")).ToList();
        if (arguments.Count > 0) Section(text, "Arguments:", arguments);
        IReadOnlyCollection<Option> required = cli?.RequiredOptions ?? [];
        var options = AllOptions(command).Where(o => !o.Hidden).Select(o => (Label(o), Describe(o, required.Contains(o)))).ToList();
        if (options.Count > 0) Section(text, "Options:", options);
        var subcommands = command.Subcommands.Where(c => !c.Hidden).Select(c => (c.Name, c.Description ?? "")).ToList();
        if (subcommands.Count > 0)
        {
            Section(text, "Commands:", subcommands);
            text.AppendLine($"`{path} COMMAND --help` shows a command's options.");
        }
        return text.ToString().TrimEnd() + "\n";
    }

    /// <summary>The command's own options, then the recursive ones of its parents (--help).</summary>
    private static IEnumerable<Option> AllOptions(Command command)
    {
        var seen = new HashSet<Option>();
        foreach (var o in command.Options) if (seen.Add(o)) yield return o;
        for (var parent = command.Parents.OfType<Command>().FirstOrDefault(); parent is not null; parent = parent.Parents.OfType<Command>().FirstOrDefault())
            foreach (var o in parent.Options.Where(o => o.Recursive)) if (seen.Add(o)) yield return o;
    }

    private static string DefaultUsage(Command command, string path)
    {
        var parts = new List<string> { path };
        if (command.Subcommands.Count > 0) parts.Add("COMMAND");
        parts.AddRange(command.Arguments.Where(a => !a.Hidden).Select(a => a.HelpName ?? a.Name.ToUpperInvariant()));
        parts.Add("[options]");
        return string.Join(' ', parts);
    }

    private static string Label(Option o)
    {
        var names = o.Aliases.Where(a => a.Length == 2 && a[0] == '-' && char.IsLetter(a[1])).Order(StringComparer.Ordinal).Append(o.Name);
        string label = string.Join(", ", names);
        return o.ValueType == typeof(bool) || o.Arity.MaximumNumberOfValues == 0 || o is HelpOption ? label
            : o.Arity.MinimumNumberOfValues == 0 ? $"{label}[={o.HelpName ?? "VALUE"}]"
            : $"{label} {o.HelpName ?? "VALUE"}{(o.AllowMultipleArgumentsPerToken ? "..." : "")}";
    }

    private static string Describe(Option o, bool required)
    {
        string description = o is HelpOption ? "show this help" : o.Description ?? "";
        if (required) description += " (required)";
        if (o.HasDefaultValue && o.ValueType != typeof(bool) && Format(o.GetDefaultValue()) is { Length: > 0 } value)
            description += $" [default: {value}]";
        return description.Trim();
    }

    private static string Format(object? value) => value switch
    {
        null => "",
        string s => s,
        IEnumerable e => string.Join(",", e.Cast<object>().Select(Format)),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static void Section(StringBuilder text, string title, IReadOnlyList<(string Label, string Description)> rows)
    {
        text.AppendLine(title);
        int column = Math.Min(30, rows.Max(r => r.Label.Length) + 4);
        foreach (var (label, description) in rows)
        {
            string first = "  " + label;
            if (first.Length + 2 > column) text.AppendLine(first).Append(new string(' ', column));
            else text.Append(first.PadRight(column));
            text.AppendLine(Wrap(description, column).TrimStart());
        }
        text.AppendLine();
    }

    /// <summary>Word-wraps <paramref name="text"/> to <see cref="Width"/>, continuation lines indented by <paramref name="indent"/>.</summary>
    private static string Wrap(string text, int indent)
    {
        var lines = new List<string>();
        foreach (var paragraphLine in text.Split('\n'))
        {
            var line = new StringBuilder(new string(' ', indent));
            foreach (var word in paragraphLine.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (line.Length > indent && line.Length + 1 + word.Length > Width) { lines.Add(line.ToString()); line = new StringBuilder(new string(' ', indent)); }
                if (line.Length > indent) line.Append(' ');
                line.Append(word);
            }
            lines.Add(line.ToString());
        }
        return string.Join("\n", lines);
    }

    /// <summary>The --help action of every command: this text on the invocation's output, exit 0.</summary>
    public sealed class Action : SynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult parseResult)
        {
            var command = parseResult.CommandResult.Command;
            var output = parseResult.InvocationConfiguration.Output;
            output.Write(command is RootCommand root ? CliRoot.Listing(root) : Of(command, CliRoot.PathOf(parseResult.CommandResult)));
            return 0;
        }
    }
}
