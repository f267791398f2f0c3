using System.Globalization;
using System.Text.Json.Nodes;
using Relens.Cli.Output;
using Relens.Editing;
using Relens.Models;
using Relens.Relations;

namespace Relens.Cli.Commands;

/// <summary>`relens edit`: writes new facts into a model's weights (Editing/) and measures the damage; `--eval` re-measures an edited folder.</summary>
public sealed class EditCommand : ICommand
{
    private readonly TextWriter? _output;

    public EditCommand() : this(null) { }
    public EditCommand(TextWriter? output) => _output = output;

    public string Name => "edit";
    public string Summary => "write new facts (TSV) into the weights: LRE-guided rank-one edit or fine-tuning, measured";

    public int Run(IReadOnlyList<string> args)
    {
        if (Usage.Requested(args)) return Usage.Print(Usage.Edit, _output);
        var a = CliArgs.Parse(args, ["model", "edits", "out", "layer", "method", "rank", "shots", "seed", "beta", "lambda", "text", "relations", "lr", "max-steps", "eval"], []);
        var terminal = Terminal.Create(true, _output);
        if (a.Get("eval") is { } evalDir) return Evaluate(evalDir, a.Get("relations"), terminal);

        string modelDir = a.Require("model");
        var edits = EditFile.Read(a.Require("edits"));
        string outDir = Path.GetFullPath(a.Require("out"));
        string layerText = a.Get("layer") ?? "auto";
        var options = new EditOptions
        {
            Layer = layerText == "auto" ? null : LayerRef.Parse(layerText),
            Rank = a.Has("rank") ? a.GetInt("rank", 0) : null,
            Shots = a.GetInt("shots", 8),
            Seed = a.GetInt("seed", 0),
            Beta = a.GetDouble("beta", 2.25),
            Lambda = a.GetDouble("lambda", 1.0),
            Method = EditOptions.ParseMethod(a.Get("method") ?? "lre-rank1"),
            FineTune = new FineTuneOptions(a.GetDouble("lr", 5e-4), a.GetInt("max-steps", 200)),
        };
        if (!(options.Lambda >= 0) || !double.IsFinite(options.Lambda)) throw new RelensException($"--lambda must be a finite number ≥ 0, got {options.Lambda}");
        if (!(options.FineTune.LearningRate > 0)) throw new RelensException($"--lr must be > 0, got {options.FineTune.LearningRate}");
        if (options.FineTune.MaxSteps < 0) throw new RelensException($"--max-steps must be ≥ 0, got {options.FineTune.MaxSteps}");

        terminal.Line($"editing {modelDir}: {edits.Count} edit(s), method {EditOptions.Name(options.Method)}, layer {layerText}");
        var run = KnowledgeEditor.Run(modelDir, edits, outDir, options, a.Get("relations"), a.Get("text"), terminal.Line);
        Print(terminal, run.Metrics, run.Reference, run.Seconds);
        terminal.Line($"wrote      {outDir} (config.json, model.safetensors, tokenizer files, {EditsJson.FileName})");
        return 0;
    }

    private static void Print(Terminal t, EditMetrics m, IReadOnlyList<EditOutcome>? reference, IReadOnlyDictionary<string, double>? seconds)
    {
        static string F(double? x) => x is { } v ? v.ToString("0.000", CultureInfo.InvariantCulture) : "n/a";
        t.Line($"efficacy     {F(m.Efficacy)}   ({m.EditCount} edits)");
        t.Line($"paraphrase   {F(m.Paraphrase)}");
        t.Line($"specificity  {F(m.Specificity)}   ({m.SpecificityFacts} known unedited facts of the edited relations)");
        t.Line($"retention    {F(m.Retention)}   ({m.RetentionFacts} known facts)");
        t.Line($"perplexity   {F(m.PerplexityBefore)} → {F(m.PerplexityAfter)}");
        if (reference is { Count: > 0 })
            t.Line($"reference    representation edit (on the fly, nothing persists): efficacy {F(reference.Count(r => r.Success) / (double)reference.Count)}");
        if (seconds is not null)
            t.Line("seconds      " + string.Join(", ", seconds.Select(kv => $"{kv.Key} {kv.Value.ToString("0.0", CultureInfo.InvariantCulture)}")));
    }

    private int Evaluate(string dir, string? relationsDir, Terminal t)
    {
        var json = EditsJson.Read(dir);
        string source = json["source_model"]?.GetValue<string>() ?? throw RelensException.InFile(Path.Combine(dir, EditsJson.FileName), "has no source_model");
        var settings = json["settings"]!.AsObject();
        var options = new EditOptions
        {
            Layer = settings["layer"]!.GetValue<string>() is var l && l != "auto" ? LayerRef.Parse(l) : null,
            Rank = settings["rank"] is JsonValue r && r.TryGetValue<int>(out int rank) ? rank : null,
            Shots = settings["shots"]!.GetValue<int>(),
            Seed = settings["seed"]!.GetValue<long>(),
            Beta = settings["beta"]!.GetValue<double>(),
            FluencyTokens = settings["fluency_tokens"]!.GetValue<long>(),
        };
        var requests = json["edits"]!.AsArray().Select(e => new EditRequest(e!["subject"]!.GetValue<string>(), e["relation"]!.GetValue<string>(),
            e["new_object"]!.GetValue<string>(), e["source"]!.GetValue<string>())).ToList();
        t.Line($"re-measuring {dir} against its source {source} ({requests.Count} edits)");
        using var lm = LanguageModel.Load(source);
        string relations = RelationDataRoot.Resolve(relationsDir);
        var dataset = KnowledgeEditor.Dataset(lm.Directory, relations);
        var plan = EditPlanner.Plan(lm, dataset, requests, options);
        var before = EditEvaluation.Before(lm, KnowledgeEditor.RetentionContexts(lm, dataset, plan, options), EditText.For(lm.Directory, null, relations), options.FluencyTokens);
        using var edited = LanguageModel.Load(dir);
        var (metrics, _) = EditEvaluation.Measure(edited, plan.Edits, before, options.FluencyTokens);
        Print(t, metrics, null, null);
        return 0;
    }
}
