using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Relens.Cli.CommandLine;

/// <summary>
/// The option factories every command uses, so all options parse and fail alike: a value may not be empty (an empty
/// path or prompt fails far from the option otherwise), integers and numbers are parsed invariantly with the
/// message "--NAME expects an integer, got 'x'", and a default is given as a typed value, which help shows.
/// Range checks stay in the commands (and the library) as <see cref="RelensException"/>s naming the option.
/// </summary>
public static class Opt
{
    /// <summary>A text value (path, name, prompt); null when not given.</summary>
    public static Option<string?> Text(string name, string valueName, string description) =>
        NotEmpty(new Option<string?>(name) { HelpName = valueName, Description = description });

    /// <summary>--relations DIR: the relation dataset, resolved by <see cref="Relens.Relations.RelationDataRoot"/> when not given
    /// (every command that reads the dataset says the same; a new Option per command, as System.CommandLine requires).</summary>
    public static Option<string?> RelationsFolder() =>
        Text("--relations", "DIR", "the relation JSONs (default: $RELENS_DATA, else ../shared/relations)");

    /// <summary>A text value with a default shown in help.</summary>
    public static Option<string> Text(string name, string valueName, string description, string defaultValue) =>
        NotEmpty(new Option<string>(name) { HelpName = valueName, Description = description, DefaultValueFactory = _ => defaultValue });

    /// <summary>Several values after one option and/or the option repeated: `--only a b --only c`.</summary>
    public static Option<string[]> List(string name, string valueName, string description) =>
        NotEmpty(new Option<string[]>(name) { HelpName = valueName, Description = description, AllowMultipleArgumentsPerToken = true, Arity = ArgumentArity.OneOrMore });

    public static Option<bool> Flag(string name, string description) => new(name) { Description = description, Arity = ArgumentArity.Zero };

    public static Option<int> Int(string name, string valueName, string description, int defaultValue) =>
        new(name) { HelpName = valueName, Description = description, DefaultValueFactory = _ => defaultValue, CustomParser = r => ParseInt(r, name) };

    /// <summary>An integer whose absence means something of its own (e.g. "as many as memory allows").</summary>
    public static Option<int?> OptionalInt(string name, string valueName, string description) =>
        new(name) { HelpName = valueName, Description = description, CustomParser = r => ParseInt(r, name) };

    public static Option<double> Number(string name, string valueName, string description, double defaultValue) =>
        new(name) { HelpName = valueName, Description = description, DefaultValueFactory = _ => defaultValue, CustomParser = r => ParseNumber(r, name) };

    public static Option<double?> OptionalNumber(string name, string valueName, string description) =>
        new(name) { HelpName = valueName, Description = description, CustomParser = r => ParseNumber(r, name) };

    /// <summary>Values offered by shell completion (`[suggest]`); what is allowed is still checked where the value is used.</summary>
    public static Option<T> Suggest<T>(this Option<T> option, params string[] values)
    {
        option.CompletionSources.Add(values);
        return option;
    }

    private static Option<T> NotEmpty<T>(Option<T> option)
    {
        option.Validators.Add(r =>
        {
            if (r.Tokens.Any(t => t.Value.Trim().Length == 0))
                r.AddError($"option {option.Name} was given an empty value; give it a value or leave the option out");
        });
        return option;
    }

    private static int ParseInt(ArgumentResult r, string name)
    {
        string text = r.Tokens.Count > 0 ? r.Tokens[^1].Value : "";
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value)) return value;
        r.AddError($"{name} expects an integer, got '{text}'");
        return 0;
    }

    private static double ParseNumber(ArgumentResult r, string name)
    {
        string text = r.Tokens.Count > 0 ? r.Tokens[^1].Value : "";
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)) return value;
        r.AddError($"{name} expects a number, got '{text}'");
        return 0;
    }
}
