using System.CommandLine;
using System.CommandLine.Parsing;
using System.Diagnostics;
using System.Reflection;
using Relens.Cli.CommandLine;
using Relens.Runs;
using Relens.Runs.Shards;

namespace Relens.Cli.Commands;

/// <summary>`relens slurm submit`: a sharded `relens run` as a Slurm job array plus a merge job that waits for it.</summary>
public sealed class SlurmCommand(TextWriter? output = null) : CommandBase(output)
{
    private TextWriter Out => Output ?? Console.Out;

    public SlurmCommand() : this(null) { }

    public override string Name => "slurm";
    public override string Summary => "'slurm submit --shards N [...] -- RUN OPTIONS': a run as a Slurm job array of shards and a merge job";

    /// <summary>The job ids of the last submission (null after --dry-run).</summary>
    public (string Array, string Merge)? LastJobs { get; private set; }

    private readonly Option<int?> _shards = Opt.OptionalInt("--shards", "N", "array tasks (shards of the run's relation × trial units)");
    private readonly Option<string?> _partition = Opt.Text("--partition", "P", "the Slurm partition");
    private readonly Option<string?> _time = Opt.Text("--time", "T", "the time limit per task, in Slurm's format (e.g. 2:00:00)");
    private readonly Option<int> _cpus = Opt.Int("--cpus", "C", "cores per task", 1);
    private readonly Option<string?> _relens = Opt.Text("--relens", "CMD", "how compute nodes start relens (default: this relens, e.g. \"dotnet /path/relens.dll\")");
    private readonly Option<bool> _dryRun = Opt.Flag("--dry-run", "write the scripts and print the sbatch commands, submit nothing");
    private readonly Argument<string[]> _runArgs = new("run options") { HelpName = "-- RUN OPTIONS", Description = "the options of `relens run`, after --", Arity = ArgumentArity.ZeroOrMore };

    protected override Command Create()
    {
        var submit = new CliCommand("submit", "a sharded `relens run` as a Slurm job array and a merge job that waits for it")
        {
            ArgumentsMayLookLikeOptions = true,
            Usage = ["relens slurm submit --shards N [--partition P] [--time T] [--cpus C] [--relens CMD] [--dry-run] -- RUN OPTIONS"],
            Details = "Writes OUT/slurm/shards.sbatch (a job array of N tasks; task I runs `relens run RUN OPTIONS --shard I/N --resume`) and "
                + "OUT/slurm/merge.sbatch (`relens merge OUT`), submits the array with `sbatch --parsable`, then the merge with "
                + "--dependency=afterok:<array id>, and prints both job ids and how to watch them. OUT is the run's --out (default relens-out). "
                + "Logs: OUT/slurm/logs/. A failed task is re-run by submitting again: finished work is kept. See docs/CLUSTER.md.",
        };
        submit.AddRequired(_shards, checkWhenParsing: false);   // after the words before "--": an unknown option there is the better message
        foreach (var option in new Option[] { _partition, _time, _cpus, _relens, _dryRun }) submit.Add(option);
        submit.Add(_runArgs);
        submit.SetAction(Submit);
        return CliCommand.Group(Name, Summary, submit);
    }

    private int Submit(ParseResult r)
    {
        // the run's options are what follows "--"; a word before it is a mistake, not a run option
        var afterDash = r.Tokens.SkipWhile(t => t.Type != TokenType.DoubleDash).Skip(1).Select(t => t.Value).ToList();
        var runArgs = r.GetValue(_runArgs) ?? [];
        if (runArgs.Length > afterDash.Count)
            throw new RelensException(runArgs[0].StartsWith('-')
                ? $"{ParseErrors.UnknownOption(r.CommandResult.Command, runArgs[0])} (the run's options go after --)"
                : $"unexpected argument '{runArgs[0]}' (the run's options go after --)");
        int shards = r.Required(_shards);
        if (shards < 1) throw new RelensException($"--shards must be at least 1, got {shards}");
        int cpus = r.GetValue(_cpus);
        if (cpus < 1) throw new RelensException($"--cpus must be at least 1, got {cpus}");

        var job = new SlurmJobSpec(shards, RelensCommand(r.GetValue(_relens)), RunArguments(runArgs, out string outDir), outDir, Directory.GetCurrentDirectory(),
            r.GetValue(_partition), r.GetValue(_time), cpus);
        foreach (var (what, path) in new[] { ("--out", job.OutputDirectory), ("the working directory", job.WorkingDirectory) })
            if (path.Any(char.IsWhiteSpace)) throw RelensException.InFile(path, $"{what} holds white space, which #SBATCH lines cannot carry: choose a path without it");
        OutputFolderCheck.Check(outDir, resume: true);

        Directory.CreateDirectory(SlurmScripts.LogFolder(outDir));
        string arrayScript = SlurmScripts.ArrayScriptPath(outDir), mergeScript = SlurmScripts.MergeScriptPath(outDir);
        File.WriteAllText(arrayScript, SlurmScripts.Array(job));
        File.WriteAllText(mergeScript, SlurmScripts.Merge(job));
        Out.WriteLine($"wrote {arrayScript} ({shards} array tasks) and {mergeScript}");

        if (r.GetValue(_dryRun))
        {
            Out.WriteLine("dry run: nothing submitted. To submit:");
            Out.WriteLine($"  array=$(sbatch --parsable {arrayScript})");
            Out.WriteLine($"  sbatch --parsable --dependency=afterok:${{array%%;*}} {mergeScript}");
            return 0;
        }
        string arrayId = Sbatch(arrayScript);
        string mergeId = Sbatch($"--dependency=afterok:{arrayId}", "--kill-on-invalid-dep=yes", mergeScript);
        LastJobs = (arrayId, mergeId);
        Out.WriteLine($"submitted array job {arrayId} ({shards} tasks: {arrayId}_0..{arrayId}_{shards - 1}) and merge job {mergeId} (after all of them succeed)");
        Out.WriteLine($"watch:   squeue -j {arrayId},{mergeId}");
        Out.WriteLine($"history: sacct -j {arrayId},{mergeId} --format=JobID,JobName,State,Elapsed,ExitCode");
        Out.WriteLine($"logs:    {SlurmScripts.LogFolder(outDir)}/   results when the merge is done: {outDir}/report.html");
        return 0;
    }

    /// <summary>The run's options as given, checked by `relens run`'s own parser (a typo must not wait in a queue), with
    /// --out made absolute; the scripts add --shard, --resume and --no-progress.</summary>
    private static List<string> RunArguments(IReadOnlyList<string> runArgs, out string outDir)
    {
        if (runArgs.Count == 0) throw new RelensException("give the run's options after --, e.g. -- --model DIR --only NAME --out DIR");
        var run = new RunCommand();
        var parsed = CliRunner.Parse(CliRoot.Create([run], withHelpCommand: false), run, runArgs);
        if (parsed.Action is HelpText.Action) throw new RelensException("--help is not a run option here: `relens run --help` lists them");
        foreach (var taken in new Option[] { run.Shard, run.Shards })
            if (parsed.Given(taken)) throw new RelensException($"{taken.Name} is not a run option here: the array sets each task's shard");
        if (parsed.GetValue(run.Model) is { } model && !Directory.Exists(model)) throw RelensException.InFile(Path.GetFullPath(model), "--model: folder not found");
        outDir = Path.GetFullPath(parsed.GetValue(run.Out)!);
        var result = new List<string>();
        for (int i = 0; i < runArgs.Count; i++)
        {
            string arg = runArgs[i];
            if (arg is "--resume" or "--no-progress") continue;
            if (arg == "--out" || arg.StartsWith("--out=")) { if (arg == "--out") i++; continue; }
            result.Add(arg);
        }
        result.AddRange(["--out", outDir]);
        return result;
    }

    /// <summary>This relens, as the nodes should start it: the apphost itself, or `dotnet relens.dll`.</summary>
    private static IReadOnlyList<string> RelensCommand(string? given)
    {
        if (given is not null) return given.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        string process = Environment.ProcessPath ?? "dotnet";
        string dll = Assembly.GetEntryAssembly()?.Location is { Length: > 0 } l ? l : Path.Combine(AppContext.BaseDirectory, "relens.dll");
        return Path.GetFileNameWithoutExtension(process) == "dotnet" ? [process, dll] : [process];
    }

    /// <summary>Runs `sbatch --parsable ARGS` and returns the job id (the part before any ";cluster").</summary>
    private static string Sbatch(params string[] args)
    {
        var psi = new ProcessStartInfo("sbatch") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("--parsable");
        foreach (var arg in args) psi.ArgumentList.Add(arg);
        Process process;
        try { process = Process.Start(psi) ?? throw new RelensException("sbatch could not be started"); }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new RelensException($"sbatch could not be started ({e.Message}): is Slurm installed and on PATH? --dry-run writes the scripts without submitting");
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            process.WaitForExit();
            string id = stdout.Result.Trim().Split(';')[0];
            if (process.ExitCode != 0 || id.Length == 0 || !id.All(char.IsAsciiDigit))
                throw new RelensException($"sbatch {string.Join(' ', args)} failed (exit {process.ExitCode}): {(stderr.Result + stdout.Result).Trim()}");
            return id;
        }
    }
}
