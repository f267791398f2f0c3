using System.Globalization;
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
public sealed class EvalCommand : ICommand
{
    private readonly Func<string, LanguageModel>? _loadModel;
    private readonly TextWriter? _output;

    public EvalCommand() : this(null, null) { }

    public EvalCommand(Func<string, LanguageModel>? loadModel, TextWriter? output)
    {
        _loadModel = loadModel;
        _output = output;
    }

    public string Name => "eval";
    public string Summary => "faithfulness and causality of a saved LRE on its relation's LM-known test facts";

    public LreEvaluation? LastResult { get; private set; }

    public int Run(IReadOnlyList<string> args)
    {
        if (Usage.Requested(args)) return Usage.Print(Usage.Eval, _output);
        var a = CliArgs.Parse(args, ["lre", "model", "relations", "ranks", "seed", .. ModelLoadArgs.ValueOptions], ["json", .. ModelLoadArgs.FlagOptions]);
        var quantization = ModelLoadArgs.Quantization(a);
        string prefix = a.Require("lre");
        var meta = SavedLre.ReadMetadata(prefix);
        var relation = RelationSource.Resolve(meta.Relation, a.Get("relations"));
        using var lm = ModelLoadArgs.Load(_loadModel, SavedLre.ModelDirectory(prefix, a.Get("model")), quantization);
        using var lre = LinearRelationFile.Load(prefix, lm);
        var ranks = RankSpec.Parse(a.Get("ranks"), (int)lre.Dim);
        var result = SavedLreEvaluator.Evaluate(lm, lre, relation, ranks, a.GetInt("seed", 0));
        LastResult = result;

        var writer = _output ?? Console.Out;
        if (a.Flag("json"))
        {
            writer.WriteLine(JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        }
        var terminal = Terminal.Create(true, _output);
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
