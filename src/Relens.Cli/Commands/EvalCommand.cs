using System.CommandLine;
using System.Globalization;
using Relens.Cli.CommandLine;
using System.Text.Json;
using Relens.Cli.Output;
using Relens.Lre;
using Relens.Models;
using Relens.Runs;
using Spectre.Console;

namespace Relens.Cli.Commands;

/// <summary>
/// `relens eval --lre PREFIX`: faithfulness (recall@1..3) and causality of a saved LRE on its relation's other
/// samples that the LM knows under the LRE's own prompt; printed, or as JSON with --json.
/// </summary>
public sealed class EvalCommand(Func<string, LanguageModel>? loadModel, TextWriter? output) : CommandBase(output)
{
    public EvalCommand() : this(null, null) { }

    public override string Name => "eval";
    public override string Summary => "faithfulness and causality of a saved LRE on its relation's LM-known test facts";

    public LreEvaluation? LastResult { get; private set; }

    private readonly Option<string?> _lre = Opt.Text("--lre", "PREFIX", "the saved LRE (PREFIX.safetensors + PREFIX.json of `relens estimate` or a run's lres/)");
    private readonly Option<string?> _model = Opt.Text("--model", "DIR", "the model (default: the one recorded in PREFIX.json; an LRE of another model is refused)");
    private readonly Option<string?> _relations = Opt.RelationsFolder();
    private readonly Option<string?> _ranks = Opt.Text("--ranks", "LIST", "rank grid of the causality test, 'full' = d (default: 0..d in ~16 steps)");
    private readonly Option<int> _seed = Opt.Int("--seed", "S", "seed of the edit targets' draw", (int)new RunOptions().Seed);
    private readonly Option<bool> _json = Opt.Flag("--json", "the result as JSON");
    private readonly ModelLoadOptions _load = new();

    protected override Command Create()
    {
        var command = new CliCommand(Name, Summary)
        {
            Usage = ["relens eval --lre PREFIX [--model DIR] [--relations DIR] [--ranks LIST] [--seed S] [--json]"],
            Details = "Faithfulness (recall@1..3) and causality (per rank) of a saved LRE on its relation's samples other than its training "
                + "samples, keeping those the LM answers correctly under the LRE's prompt.",
        };
        command.AddRequired(_lre);
        foreach (var option in new Option[] { _model, _relations, _ranks, _seed, _json }) command.Add(option);
        _load.AddTo(command);
        command.SetAction(Execute);
        return command;
    }

    private int Execute(ParseResult parse)
    {
        var quantization = _load.Quantization(parse);
        string prefix = parse.Required(_lre);
        var meta = SavedLre.ReadMetadata(prefix);
        var relation = RelationSource.Resolve(meta.Relation, parse.GetValue(_relations));
        using var lm = ModelLoadOptions.Load(loadModel, SavedLre.ModelDirectory(prefix, parse.GetValue(_model)), quantization);
        using var lre = LinearRelationFile.Load(prefix, lm);
        var ranks = RankSpec.Parse(parse.GetValue(_ranks), (int)lre.Dim);
        var result = SavedLreEvaluator.Evaluate(lm, lre, relation, ranks, parse.GetValue(_seed));
        LastResult = result;

        var writer = Output ?? Console.Out;
        if (parse.GetValue(_json))
        {
            writer.WriteLine(JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        }
        var terminal = Terminal.Create(true, Output);
        terminal.Line($"LRE        {result.Relation}, layer {result.Layer}, β = {result.Beta.ToString(CultureInfo.InvariantCulture)} ({lm.Directory})");
        terminal.Line($"test facts {result.TestSamples}, of which the LM knows {result.KnownSamples}");
        if (result.Recall is { } r)
            terminal.Line($"faithfulness recall@1 {RunText.N(r[0])}, @2 {RunText.N(r[1])}, @3 {RunText.N(r[2])}");
        if (result.Causality.Count > 0)
        {
            var table = new Table().Title($"causality over {result.EditPairs} edits").AddColumn(new TableColumn("rank").RightAligned()).AddColumn(new TableColumn("causality").RightAligned());
            foreach (var c in result.Causality) table.AddRow(c.Rank.ToString(CultureInfo.InvariantCulture), RunText.N(c.Causality));
            terminal.Console.Write(table);
            terminal.Line($"best causality {RunText.N(result.BestCausality!.Value)} at rank {result.BestRank}");
        }
        if (result.Note is { } note) terminal.Line("note: " + note);
        return 0;
    }
}
