namespace Relens.Cli;

/// <summary>
/// Minimal "--name value" / "--flag" parser. Every command declares the options it accepts, so a
/// misspelt option is an error instead of being silently ignored.
/// </summary>
public sealed class CliArgs
{
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);
    public IReadOnlyList<string> Positional { get; }

    private CliArgs(List<string> positional) => Positional = positional;

    /// <param name="valueOptions">Options that take a value (may repeat; "--only a b" takes several).</param>
    /// <param name="flagOptions">Options without a value.</param>
    public static CliArgs Parse(IReadOnlyList<string> args, IEnumerable<string> valueOptions, IEnumerable<string> flagOptions)
    {
        var values = new HashSet<string>(valueOptions);
        var flags = new HashSet<string>(flagOptions);
        var positional = new List<string>();
        var result = new CliArgs(positional);
        for (int i = 0; i < args.Count; i++)
        {
            string a = args[i];
            if (!a.StartsWith("--")) { positional.Add(a); continue; }
            string name = a[2..];
            string? inline = null;
            int eq = name.IndexOf('=');
            if (eq >= 0) { inline = name[(eq + 1)..]; name = name[..eq]; }
            if (flags.Contains(name) && inline is null) { result._flags.Add(name); continue; }
            if (!values.Contains(name))
                throw new RelensException($"unknown option --{name}; this command accepts: " +
                    string.Join(", ", values.Concat(flags).OrderBy(x => x).Select(x => "--" + x)));
            if (!result._values.TryGetValue(name, out var list)) result._values[name] = list = new List<string>();
            if (inline is not null) { list.Add(NotEmpty(name, inline)); continue; }
            if (i + 1 >= args.Count || args[i + 1].StartsWith("--"))
                throw new RelensException($"option --{name} needs a value");
            // Greedily take following non-option words, so "--only a b c" works.
            while (i + 1 < args.Count && !args[i + 1].StartsWith("--")) list.Add(NotEmpty(name, args[++i]));
        }
        return result;
    }

    // an empty path, prompt or name fails far from the option (an ArgumentException in Path, an empty tensor), so no value may be empty
    private static string NotEmpty(string name, string value) => value.Trim().Length > 0 ? value
        : throw new RelensException($"option --{name} was given an empty value; give it a value or leave the option out");

    public bool Has(string name) => _flags.Contains(name) || _values.ContainsKey(name);
    public bool Flag(string name) => _flags.Contains(name);

    public string? Get(string name) => _values.TryGetValue(name, out var v) ? string.Join(" ", v) : null;
    public IReadOnlyList<string> GetAll(string name) => _values.TryGetValue(name, out var v) ? v : Array.Empty<string>();
    public string Require(string name) => Get(name) ?? throw new RelensException($"missing required option --{name}");

    public int GetInt(string name, int fallback) => Get(name) is { } s ? ParseInt(name, s) : fallback;
    public double GetDouble(string name, double fallback) =>
        Get(name) is { } s ? (double.TryParse(s, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var d) ? d
            : throw new RelensException($"--{name} expects a number, got '{s}'")) : fallback;

    private static int ParseInt(string name, string s) =>
        int.TryParse(s, out var i) ? i : throw new RelensException($"--{name} expects an integer, got '{s}'");
}
