using System.CommandLine;
using System.CommandLine.Parsing;

namespace Relens.Cli.CommandLine;

/// <summary>
/// A System.CommandLine command with what `--help` shows besides its options (<see cref="HelpText"/>): the usage
/// lines and a paragraph about what it does. Options added with <see cref="AddRequired"/> are checked at parse time
/// ("missing required option --model") in Relens's words rather than the library's.
/// </summary>
public class CliCommand : Command
{
    private readonly List<Option> _required = [];
    private readonly List<Option> _checked = [];

    public CliCommand(string name, string summary) : base(name, summary)
    {
        Validators.Add(result =>
        {
            foreach (var option in _checked)
                if (result.GetResult(option) is null or { Implicit: true })
                    result.AddError($"missing required option {option.Name} {option.HelpName}".TrimEnd());
            // System.CommandLine hands a word it does not know to the command's arguments, even "--typo": call that what it is
            if (!ArgumentsMayLookLikeOptions)
                foreach (var argument in Arguments)
                    if (result.GetResult(argument)?.Tokens.FirstOrDefault(t => t.Value.Length > 1 && t.Value[0] == '-') is { } token)
                        result.AddError(ParseErrors.UnknownOption(this, token.Value));
        });
    }

    /// <summary>Usage lines shown first by --help (default: "relens PATH [options]").</summary>
    public IReadOnlyList<string> Usage { get; init; } = [];

    /// <summary>What the command does, in a paragraph or two (shown after the usage).</summary>
    public string? Details { get; init; }

    public IReadOnlyCollection<Option> RequiredOptions => _required;

    /// <summary>True where the arguments are another command's options (`slurm submit -- RUN OPTIONS`).</summary>
    public bool ArgumentsMayLookLikeOptions { get; init; }

    /// <param name="checkWhenParsing">false when the command's action checks it itself, after checks that must come first.</param>
    public void AddRequired(Option option, bool checkWhenParsing = true)
    {
        Add(option);
        _required.Add(option);
        if (checkWhenParsing) _checked.Add(option);
    }

    /// <summary>A command made of subcommands (`relens model init|quantize`): alone, or with only options, it says which
    /// subcommands there are, an input error like any other.</summary>
    public static CliCommand Group(string name, string summary, params Command[] subcommands)
    {
        var group = new CliCommand(name, summary);
        foreach (var sub in subcommands) group.Add(sub);
        Func<ParseResult, int> missing = _ => throw new RelensException(
            $"give a subcommand: {string.Join(", or ", subcommands.Select(s => $"relens {name} {s.Name}"))} (add --help for its options)");
        group.SetAction(missing);
        return group;
    }
}

/// <summary>Reading options the way the commands need besides their values.</summary>
public static class ParseResultExtensions
{
    /// <summary>The option appears on the command line (not just its default).</summary>
    public static bool Given(this ParseResult result, Option option) => result.GetResult(option) is { Implicit: false };

    /// <summary>The value of a required option (usually a parse-time check made sure it is there).</summary>
    public static T Required<T>(this ParseResult result, Option<T?> option) where T : class =>
        result.GetValue(option) ?? throw Missing(option);

    public static T Required<T>(this ParseResult result, Option<T?> option) where T : struct =>
        result.GetValue(option) ?? throw Missing(option);

    private static RelensException Missing(Option option) => new($"missing required option {option.Name} {option.HelpName}".TrimEnd());
}
