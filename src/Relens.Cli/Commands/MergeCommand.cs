using Relens.Cli.Output;
using Relens.Models;
using Relens.Reporting;
using Relens.Runs.Shards;

namespace Relens.Cli.Commands;

/// <summary>`relens merge OUT`: the shards of a sharded `relens run` (OUT/shards/) into one run folder, as one
/// machine would have written it (see <see cref="ShardMerge"/>).</summary>
public sealed class MergeCommand : ICommand
{
    private readonly Func<string, LanguageModel> _loadModel;
    private readonly TextWriter? _output;

    public MergeCommand() : this(null, null) { }

    public MergeCommand(Func<string, LanguageModel>? loadModel, TextWriter? output)
    {
        _loadModel = loadModel ?? (dir => LanguageModel.Load(dir));
        _output = output;
    }

    public string Name => "merge";
    public string Summary => "merge the shards of a sharded run (run --shard I/N) into results, summary, LREs and report.html";

    public MergeResult? LastResult { get; private set; }

    public const string Usage = """
        relens merge OUT [--model DIR] [--relations DIR]

        Combines the shards in OUT/shards/ (written by `relens run ... --shard I/N --out OUT`) and an earlier run's
        OUT/results.jsonl into OUT's results.jsonl/.csv, run.json, lres/, summary.json/.csv and report.html, exactly as
        an unsharded run writes them. Refuses shards of another run (other fingerprint: model, relations or settings),
        and names the units still unfinished and their shards (re-run those with --resume), writing nothing then.
        Merging again changes nothing. --model/--relations: where the run's model and relations are on this machine
        (default: those recorded by the shards).
        """;

    public int Run(IReadOnlyList<string> args)
    {
        if (Output.Usage.Requested(args)) return Output.Usage.Print(Usage, _output);
        var a = CliArgs.Parse(args, ["model", "relations"], []);
        if (a.Positional.Count != 1) throw new RelensException(a.Positional.Count == 0 ? "missing the run folder: relens merge OUT" : $"unexpected argument '{a.Positional[1]}'");
        var folder = new RunFolder(a.Positional[0]);
        if (!Directory.Exists(folder.Directory)) throw RelensException.InFile(folder.Directory, "run folder not found");
        Runs.OutputFolderCheck.Check(folder.Directory, resume: true);
        var terminal = Terminal.Create(true, _output);

        var result = ShardMerge.Merge(folder, dir => { terminal.Muted($"loading model {dir}"); return _loadModel(dir); }, a.Get("model"), a.Get("relations"), terminal.Muted);
        LastResult = result;
        terminal.Line("");
        SummaryTable.Write(terminal, result.Summary);
        foreach (var note in result.Notes) terminal.Muted("note: " + note);
        terminal.Line($"merged {result.ShardFiles} shard files of run {result.Info.Fingerprint}: {result.Units} units (relation × trial), {result.Records} records "
            + $"({result.Info.Seconds:0.#} s of shard time); results in {folder.Directory}");
        terminal.Line($"report: {result.ReportPath}");
        return 0;
    }
}
