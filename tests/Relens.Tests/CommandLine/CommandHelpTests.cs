using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace Relens.Tests.CommandLine;

/// <summary>Every command and subcommand, as a user types it: help, no arguments, an unknown option.</summary>
[Trait("Category", "Cli")]
public class CommandHelpTests
{
    private static readonly string[][] Commands =
    [
        ["doctor"], ["inspect"], ["run"], ["report"], ["merge"], ["slurm"], ["slurm", "submit"], ["estimate"], ["eval"], ["lens"],
        ["world"], ["world", "train"], ["serve"], ["model"], ["model", "init"], ["model", "quantize"], ["bench"], ["trace"],
        ["edit"], ["compare"],
    ];

    // their no-argument form is a real invocation with defaults: a check, a run of the default model, a benchmark, a training
    private static readonly string[] RunWithoutArguments = ["doctor", "run", "bench", "world train"];

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
                if (code != 0 || !stdout.TrimStart().StartsWith($"relens {command[0]}")) failures.Add($"{line}, expected 0 and usage:\n{stdout}{stderr}");
            }
            // an error: exit 2, a message, and nothing done (work prints to stdout first: "loading model", a benchmark header)
            else if (code != 2 || !stderr.Contains("error") || stdout.Trim().Length > 0)
                failures.Add($"{line}, expected 2 and only an error message:\n{stdout}{stderr}");
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
        Assert.Empty(named.Where(n => n != "help" && !listed.Contains(n)));
        // and each subcommand README shows answers its own help
        foreach (var sub in readme.SelectMany(l => Regex.Matches(l, @"relens (model|world|slurm) ([a-z]+)").Select(m => (m.Groups[1].Value, m.Groups[2].Value))).Distinct())
        {
            var (subCode, usage, err) = CliProcess.Run(sub.Item1, sub.Item2, "--help");
            Assert.True(subCode == 0 && usage.Contains($"relens {sub.Item1} {sub.Item2}"), $"relens {sub.Item1} {sub.Item2} --help: {usage}{err}");
        }
    }
}
