using System.CommandLine;
using Relens.Cli.CommandLine;
using Relens.Cli.Output;
using Relens.Models;
using Relens.Reporting;
using Relens.Runs.Shards;

namespace Relens.Cli.Commands;

/// <summary>`relens merge OUT`: the shards of a sharded `relens run` (OUT/shards/) into one run folder, as one
/// machine would have written it (see <see cref="ShardMerge"/>).</summary>
public sealed class MergeCommand(Func<string, LanguageModel>? loadModel, TextWriter? output) : CommandBase(output)
{
    private readonly Func<string, LanguageModel> _loadModel = loadModel ?? (dir => LanguageModel.Load(dir));

    public MergeCommand() : this(null, null) { }

    public override string Name => "merge";
    public override string Summary => "merge the shards of a sharded run (run --shard I/N) into results, summary, LREs and report.html";

    public MergeResult? LastResult { get; private set; }

    private readonly Argument<string?> _folder = new("out") { HelpName = "OUT", Description = "the run folder (the run's --out)", Arity = ArgumentArity.ZeroOrOne };
    private readonly Option<string?> _model = Opt.Text("--model", "DIR", "where the run's model is on this machine (default: recorded by the shards)");
    private readonly Option<string?> _relations = Opt.Text("--relations", "DIR", "where the run's relations are on this machine (default: recorded by the shards)");

    protected override Command Create()
    {
        var command = new CliCommand(Name, Summary)
        {
            Usage = ["relens merge OUT [--model DIR] [--relations DIR]"],
            Details = "Combines the shards in OUT/shards/ (written by `relens run ... --shard I/N --out OUT`) and an earlier run's "
                + "OUT/results.jsonl into OUT's results.jsonl/.csv, run.json, lres/, summary.json/.csv and report.html, exactly as an unsharded "
                + "run writes them. Refuses shards of another run (other fingerprint: model, relations or settings), and names the units still "
                + "unfinished and their shards (re-run those with --resume), writing nothing then. Merging again changes nothing.",
        };
        command.Add(_folder);
        command.Add(_model);
        command.Add(_relations);
        command.SetAction(Execute);
        return command;
    }

    private int Execute(ParseResult r)
    {
        var folder = new RunFolder(r.GetValue(_folder) ?? throw new RelensException("missing the run folder: relens merge OUT"));
        if (!Directory.Exists(folder.Directory)) throw RelensException.InFile(folder.Directory, "run folder not found");
        Runs.OutputFolderCheck.Check(folder.Directory, resume: true);
        var terminal = Terminal.Create(true, Output);

        var result = ShardMerge.Merge(folder, dir => { terminal.Muted($"loading model {dir}"); return _loadModel(dir); }, r.GetValue(_model), r.GetValue(_relations), terminal.Muted);
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
