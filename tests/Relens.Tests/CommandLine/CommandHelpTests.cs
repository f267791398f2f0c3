using System.Collections.Concurrent;
using System.CommandLine;
using System.Text.RegularExpressions;
using Relens.Cli.CommandLine;
using Relens.Runs;

namespace Relens.Tests.CommandLine;

/// <summary>Every command and subcommand, as a user types it: help, no arguments, an unknown option.</summary>
[Trait("Category", "Cli")]
public class CommandHelpTests
{
    private static readonly string[][] Commands =
    [
        ["doctor"], ["inspect"], ["run"], ["report"], ["merge"], ["slurm"], ["slurm", "submit"], ["estimate"], ["eval"], ["lens"],
        ["world"], ["world", "train"], ["serve"], ["model"], ["model", "init"], ["model", "quantize"], ["bench"], ["trace"],
        ["edit"], ["compare"], ["help"],
    ];

    // their no-argument form is a real invocation with defaults: a check, a run of the default model, a benchmark, a training, the listing
    private static readonly string[] RunWithoutArguments = ["doctor", "run", "bench", "world train", "help"];

    [Fact]
    public void EveryCommandAnswersHelpAndRefusesBadInputWithoutStartingWork()
    {
        var cases = Commands.SelectMany(c => new[] { (c, "--help"), (c, "-h"), (c, "--no-such-option"), (c, "") })
            .Where(x => x.Item2 != "" || !RunWithoutArguments.Contains(string.Join(" ", x.c))).ToList();
        var failures = new ConcurrentBag<string>();
        Parallel.ForEach(cases, new ParallelOptions { MaxDegreeOfParallelism = 4 }, x =>
        {
            var (command, extra) = x;
            string[] args = extra == "" ? command : [.. command, extra];
            var (code, stdout, stderr) = CliProcess.Run(args);
            string line = $"relens {string.Join(' ', args)}: exit {code}";
            if (stderr.Contains("   at ") || stderr.Contains("Unhandled exception")) failures.Add($"{line}, a stack trace:\n{stderr}");
            else if (extra is "--help" or "-h")
            {
                // usage first, then the options with their value names (and defaults), and nothing on stderr
                if (code != 0 || !stdout.TrimStart().StartsWith($"relens {string.Join(' ', command)}") || !stdout.Contains("-h, --help") || stderr.Length > 0)
                    failures.Add($"{line}, expected 0 and usage:\n{stdout}{stderr}");
            }
            // an error: exit 2, a message, and nothing done (work prints to stdout first: "loading model", a benchmark header)
            else if (code != 2 || !stderr.Contains($"relens {string.Join(' ', command)}: error: ") || stdout.Trim().Length > 0)
                failures.Add($"{line}, expected 2 and only an error message:\n{stdout}{stderr}");
            else if (extra != "" && !stderr.Contains("unknown option --no-such-option"))
                failures.Add($"{line}, the message does not name the unknown option:\n{stderr}");
        });
        Assert.True(failures.IsEmpty, string.Join("\n\n", failures));
    }

    [Fact]
    public void EveryCommandReadmeNamesExistsAndHelpListsThemAll()
    {
        var (code, listing, _) = CliProcess.Run("help");
        Assert.Equal(0, code);
        var listed = Regex.Matches(listing, @"^  (\S+)", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToHashSet();
        Assert.Equal(Commands.Select(c => c[0]).ToHashSet(), listed);

        var readme = File.ReadAllLines(Path.Combine(TestPaths.RepoRoot, "README.md"));
        var named = readme.Where(l => l.StartsWith("relens ")).SelectMany(l => Regex.Matches(l, @"(?:^|; )relens ([a-z]+)").Select(m => m.Groups[1].Value)).ToHashSet();
        Assert.True(named.Count >= 15, $"README names only {named.Count} commands: {string.Join(", ", named)}");
        Assert.DoesNotContain(named, n => !listed.Contains(n));
        // and each subcommand README shows answers its own help
        foreach (var sub in readme.SelectMany(l => Regex.Matches(l, @"relens (model|world|slurm) ([a-z]+)").Select(m => (m.Groups[1].Value, m.Groups[2].Value))).Distinct())
        {
            var (subCode, usage, err) = CliProcess.Run(sub.Item1, sub.Item2, "--help");
            Assert.True(subCode == 0 && usage.Contains($"relens {sub.Item1} {sub.Item2}"), $"relens {sub.Item1} {sub.Item2} --help: {usage}{err}");
        }
        // `relens help NAME` is `relens NAME --help`; `relens` alone lists the commands as an input error
        Assert.Equal(CliProcess.Run("model", "init", "--help").Stdout, CliProcess.Run("help", "model", "init").Stdout);
        var bare = CliProcess.Run();
        Assert.Equal(2, bare.ExitCode);
        Assert.Equal(listing, bare.Stderr);
    }

    /// <summary>Every option of every command is in its help with its value name, and a default comes from the library's
    /// own settings, not from a literal in the help text.</summary>
    [Fact]
    public void HelpShowsEveryOptionAndTheLibrarysDefaults()
    {
        var root = CliRoot.Create(Cli.CommandList.Create());
        var commands = root.Subcommands.SelectMany(c => c.Subcommands.Prepend(c)).ToList();
        Assert.True(commands.Count >= 20);
        foreach (var command in commands)
        {
            string path = string.Join(' ', command.Parents.OfType<Command>().Where(p => p != root).Select(p => p.Name).Append(command.Name));
            string help = HelpText.Of(command, "relens " + path);
            foreach (var option in command.Options)
            {
                var row = help.Split('\n').FirstOrDefault(l => Regex.IsMatch(l, $@"^  (-\w, )?{Regex.Escape(option.Name)}(\s|\[|$)"));
                Assert.True(row is not null, $"relens {path} --help does not list {option.Name}:\n{help}");
                if (option.ValueType != typeof(bool)) Assert.Contains(option.HelpName!, row);
            }
        }
        string Row(string name, string option)   // the option's line and its continuation lines
        {
            var lines = HelpText.Of(commands.First(c => c.Name == name), "relens " + name).Split('\n');
            int i = Array.FindIndex(lines, l => l.StartsWith("  " + option + " "));
            var row = new List<string> { lines[i].TrimEnd() };
            while (i + 1 < lines.Length && lines[i + 1].StartsWith("    ")) row.Add(lines[++i].Trim());
            return string.Join(" ", row);
        }
        var run = new RunOptions();
        Assert.EndsWith($"[default: {run.Trials}]", Row("run", "--trials"));
        Assert.EndsWith($"[default: {run.Shots}]", Row("run", "--shots"));
        Assert.EndsWith($"[default: {run.Beta.ToString(System.Globalization.CultureInfo.InvariantCulture)}]", Row("run", "--beta"));
        Assert.EndsWith($"[default: {run.OutputDirectory}]", Row("run", "--out"));
        Assert.EndsWith($"[default: {DefaultModel.Steps}]", Row("train", "--steps"));
        Assert.EndsWith($"[default: {DefaultModel.Shape.LocalLayers}]", Row("train", "--local-layers"));
        Assert.EndsWith($"[default: {new Relens.Tracing.TraceOptions().Window}]", Row("trace", "--window"));
        Assert.Contains("(required)", Row("estimate", "--model"));
    }

    [Theory]
    [InlineData(new[] { "run", "--trails", "1" }, "relens run: error: unknown option --trails; did you mean --trials?")]
    [InlineData(new[] { "rnu" }, "relens: error: unknown command 'rnu'; did you mean run?")]
    [InlineData(new[] { "run", "--trials", "three" }, "relens run: error: --trials expects an integer, got 'three'")]
    [InlineData(new[] { "trace", "--noise-factor", "1,5" }, "relens trace: error: --noise-factor expects a number, got '1,5'")]
    [InlineData(new[] { "inspect", "--model", "m", "--prompt", "x", "--top" }, "relens inspect: error: option --top needs a value (K)")]
    [InlineData(new[] { "inspect", "--model", "m" }, "relens inspect: error: missing required option --prompt TEXT")]
    [InlineData(new[] { "inspect", "--model", "m", "--prompt", "a", "b" }, "relens inspect: error: unexpected argument 'b'")]
    [InlineData(new[] { "model", "initt" }, "relens model: error: unknown command 'initt'; did you mean init?")]
    [InlineData(new[] { "help", "rnu" }, "relens help: error: 'rnu' is not a command; did you mean run?")]
    public void MalformedCommandLinesAreUsageErrorsInRelenssWords(string[] args, string expected)
    {
        var (code, stdout, stderr) = CliProcess.Run(args);
        Assert.True(code == 2, $"exit {code}: {stderr}");
        Assert.StartsWith(expected, stderr.Split('\n')[0]);   // the one message first (the value after an unknown option is not a second one)
        Assert.DoesNotContain("unexpected argument '1'", stderr);
        Assert.Equal("", stdout.Trim());
    }

    [Fact]
    public void TheSuggestDirectiveCompletesCommandsAndOptions()
    {
        string line = "relens run --tr";
        var (code, stdout, stderr) = CliProcess.Run($"[suggest:{line.Length}]", line);
        Assert.True(code == 0, stderr);
        Assert.Equal(["--trace", "--trace-facts", "--trace-kind", "--trace-samples", "--trace-window", "--trials"], stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        line = "relens mo";
        Assert.Contains("model", CliProcess.Run($"[suggest:{line.Length}]", line).Stdout.Split('\n').Select(s => s.Trim()));
        line = "relens run --quantize ";
        Assert.Equal(["nf4", "q4_0", "q8_0"], CliProcess.Run($"[suggest:{line.Length}]", line).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Order());
    }
}
