using System.CommandLine;
using System.CommandLine.Parsing;

namespace Relens.Cli.CommandLine;

/// <summary>
/// What a command line that does not parse is told, in Relens's words: an unknown option or word names the command's
/// nearest option or subcommand ("unknown option --trails; did you mean --trials?"); messages from Relens's own
/// option factories (<see cref="Opt"/>) and checks pass through.
/// </summary>
public static class ParseErrors
{
    public static IReadOnlyList<string> Describe(ParseResult result)
    {
        var command = result.CommandResult.Command;
        var unmatched = result.UnmatchedTokens;
        // the value after an unknown option ("--trails 1") is part of that mistake, not one of its own
        var valuesOfUnknown = unmatched.Where((t, i) => i > 0 && !t.StartsWith('-') && unmatched[i - 1].StartsWith('-') && !unmatched[i - 1].Contains('=')).ToHashSet();
        var messages = new List<string>();
        foreach (var error in result.Errors)
        {
            if (error.SymbolResult is CommandResult && unmatched.FirstOrDefault(t => error.Message.Contains($"'{t}'")) is { } token)
            {
                if (!valuesOfUnknown.Contains(token)) messages.Add(Unmatched(command, token));
            }
            else if (error.SymbolResult is OptionResult { Tokens.Count: 0 } o && o.Option.Arity.MinimumNumberOfValues > 0)
                messages.Add($"option {o.Option.Name} needs a value ({o.Option.HelpName ?? "VALUE"})");
            else messages.Add(error.Message);
        }
        return messages.Distinct().ToList();
    }

    private static string Unmatched(Command command, string token)
    {
        if (token.StartsWith('-')) return UnknownOption(command, token);
        if (command.Subcommands.Count > 0 && command.Arguments.Count == 0)
            return $"unknown command '{token}'; {Suggestion(token, command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name))}".TrimEnd(' ', ';');
        return $"unexpected argument '{token}'" + (command.Arguments.Count == 0 ? " (this command takes options only; quote a value that holds spaces)" : "");
    }

    public static string UnknownOption(Command command, string token)
    {
        string name = token.Split('=', ':')[0];
        var options = command.Options.Concat(command.Parents.OfType<Command>().SelectMany(p => p.Options.Where(o => o.Recursive)))
            .Where(o => !o.Hidden).Select(o => o.Name);
        return $"unknown option {name}; {Suggestion(name, options)}".TrimEnd(' ', ';');
    }

    /// <summary>"did you mean X?" for the candidates nearest to <paramref name="given"/>, or "" when none is near.</summary>
    public static string Suggestion(string given, IEnumerable<string> candidates)
    {
        var near = candidates.Distinct()
            .Select(c => (c, d: Distance(given.TrimStart('-'), c.TrimStart('-'))))
            .Where(x => x.d <= Math.Max(1, x.c.TrimStart('-').Length / 3) || x.c.TrimStart('-').StartsWith(given.TrimStart('-'), StringComparison.Ordinal) && given.TrimStart('-').Length >= 2)
            .OrderBy(x => x.d).ThenBy(x => x.c, StringComparer.Ordinal).Select(x => x.c).Take(3).ToList();
        return near.Count == 0 ? "" : $"did you mean {string.Join(" or ", near)}?";
    }

    /// <summary>Edit distance counting a swap of neighbours as one edit ("rnu" → "run"), as typos go.</summary>
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
            for (int j = 1; j <= b.Length; j++)
            {
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        return d[a.Length, b.Length];
    }
}
