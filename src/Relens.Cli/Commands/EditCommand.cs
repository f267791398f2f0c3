using System.CommandLine;
using System.Globalization;
using Relens.Cli.CommandLine;
using Relens.Cli.Output;
using Relens.Editing;
using Relens.Models;
using Relens.Relations;
using Relens.Reporting;

namespace Relens.Cli.Commands;

/// <summary>`relens edit`: writes new facts into a model's weights (Editing/) and measures the damage; `--eval` re-measures an edited folder.</summary>
public sealed class EditCommand(TextWriter? output) : CommandBase(output)
{
    public EditCommand() : this(null) { }

    public override string Name => "edit";
    public override string Summary => "write new facts (TSV) into the weights: LRE-guided rank-one edit or fine-tuning, measured";

    private static readonly EditOptions Defaults = new();
    private readonly Option<string?> _model = Opt.Text("--model", "DIR", "the model folder to edit");
    private readonly Option<string?> _edits = Opt.Text("--edits", "FILE", "the edits, a TSV: subject, relation, new object (one edit per line)");
    private readonly Option<string?> _out = Opt.Text("--out", "DIR2", "the edited model folder (new), or the experiment's folder");
    private readonly Option<string> _layer = Opt.Text("--layer", "L|auto", "emb, a block number, or auto (each relation's causality-best layer)", "auto");
    private readonly Option<string> _method = Opt.Text("--method", "METHOD", "lre-rank1 or finetune", EditOptions.Name(Defaults.Method)).Suggest("lre-rank1", "finetune");
    private readonly Option<int?> _rank = Opt.OptionalInt("--rank", "K", "pseudo-inverse rank (default: the best of the sweep's rank grid on the relation's known facts)");
    private readonly Option<int> _shots = Opt.Int("--shots", "N", "shots of the LRE", Defaults.Shots);
    private readonly Option<int> _seed = Opt.Int("--seed", "S", "seed of the shots' split (a run's trial 0 with --seed S)", (int)Defaults.Seed);
    private readonly Option<double> _beta = Opt.Number("--beta", "B", "β of the LRE", Defaults.Beta);
    private readonly Option<double> _lambda = Opt.Number("--lambda", "λ", "MEMIT's weight of the preserved keys' covariance against a batch of edits", Defaults.Lambda);
    private readonly Option<string?> _text = Opt.Text("--text", "FILE", "text for C = E[k kᵀ] (default: the world corpus)");
    private readonly Option<string?> _relations = Opt.RelationsFolder();
    private readonly Option<double> _lr = Opt.Number("--lr", "RATE", "finetune: AdamW's learning rate", Defaults.FineTune.LearningRate);
    private readonly Option<int> _maxSteps = Opt.Int("--max-steps", "N", "finetune: at most N steps", Defaults.FineTune.MaxSteps);
    private readonly Option<string?> _eval = Opt.Text("--eval", "DIR2", "instead: re-measure an edited folder against its source model");
    // ---- `relens edit --experiment` (issue 14's library question) and --combine ----
    private readonly Option<bool> _experiment = Opt.Flag("--experiment", "instead: the pool's first --singles edits one at a time and its first --batches at once, per method and layer");
    private readonly Option<int> _singles = Opt.Int("--singles", "N", "experiment: single edits", ExperimentSettings.DefaultSingles);
    private readonly Option<string> _batches = Opt.Text("--batches", "LIST", "experiment: batch sizes", string.Join(",", ExperimentSettings.DefaultBatches));
    private readonly Option<string> _methods = Opt.Text("--methods", "LIST", "experiment: methods", "lre-rank1,finetune");
    private readonly Option<string?> _layers = Opt.Text("--layers", "LIST", "experiment: lre-rank1's layers, e.g. emb,2 (default: --layer, else emb)");
    private readonly Option<int> _fluencyTokens = Opt.Int("--fluency-tokens", "N", "tokens of text for the perplexity", (int)Defaults.FluencyTokens);
    private readonly Option<int> _statisticsTokens = Opt.Int("--statistics-tokens", "N", "tokens of text for C = E[k kᵀ]", (int)Defaults.StatisticsTokens);
    private readonly Option<string?> _combine = Opt.Text("--combine", "DIR,DIR...", "instead: one table and plot from several experiment folders (e.g. one process per arm)");

    protected override Command Create()
    {
        var command = new CliCommand(Name, Summary)
        {
            Usage =
            [
                "relens edit --model DIR --edits FILE --out DIR2 [--layer L|auto] [--method lre-rank1|finetune] [--rank K] [options]",
                "relens edit --eval DIR2 [--relations DIR]",
                "relens edit --model DIR --experiment --out DIR2 [--edits FILE] [--singles N] [--batches LIST] [--methods LIST] [--layers LIST]",
                "relens edit --combine DIR,DIR... --out DIR3",
            ],
            Details = "Writes new facts into the weights. lre-rank1: per relation an LRE at layer L; Δh = W⁺_K(z′ − z), z′ from known subjects "
                + "whose object is the new one. Layer emb: the subject token's embedding row gets Δh; block L: ROME's rank-one update of the MLP "
                + "output projection (MEMIT's least squares for several edits). finetune: AdamW on all weights until every edit prompt answers "
                + "its new object or --max-steps. Measures efficacy, paraphrase, specificity, retention and perplexity (before/after). DIR2 (new) "
                + "gets config.json, model.safetensors, tokenizer files and edits.json; nothing is written unless the edit completes. See docs/EDITING.md.",
        };
        foreach (var option in new Option[] { _model, _edits, _out, _layer, _method, _rank, _shots, _seed, _beta, _lambda, _text, _relations, _lr, _maxSteps,
                     _eval, _experiment, _singles, _batches, _methods, _layers, _fluencyTokens, _statisticsTokens, _combine })
            command.Add(option);
        command.SetAction(Execute);
        return command;
    }

    private int Execute(ParseResult a)
    {
        var terminal = Terminal.Create(true, Output);
        if (a.GetValue(_eval) is { } evalDir) return Evaluate(evalDir, a.GetValue(_relations), terminal);
        if (a.GetValue(_combine) is { } combine) return Combine(combine, Path.GetFullPath(Require(a, _out)), terminal);

        string modelDir = Require(a, _model);
        string outDir = Path.GetFullPath(Require(a, _out));
        if (a.GetValue(_experiment)) return Experiment(a, modelDir, outDir, terminal);
        var edits = EditFile.Read(Require(a, _edits));
        string layerText = a.GetValue(_layer)!;
        var options = Options(a, layerText);
        terminal.Line($"editing {modelDir}: {edits.Count} edit(s), method {EditOptions.Name(options.Method)}, layer {layerText}");
        var run = KnowledgeEditor.Run(modelDir, edits, outDir, options, a.GetValue(_relations), a.GetValue(_text), terminal.Line);
        Print(terminal, run.Metrics, run.Reference, run.Seconds);
        terminal.Line($"wrote      {outDir} (config.json, model.safetensors, tokenizer files, {EditsJson.FileName})");
        return 0;
    }

    // required for some forms only (not for --eval or --combine), so checked here rather than by the parser
    private static string Require(ParseResult a, Option<string?> option) => a.GetValue(option) ?? throw new RelensException($"missing required option {option.Name} {option.HelpName}");

    private EditOptions Options(ParseResult a, string layerText)
    {
        var options = new EditOptions
        {
            Layer = layerText == "auto" ? null : LayerRef.Parse(layerText),
            Rank = a.GetValue(_rank),
            Shots = a.GetValue(_shots),
            Seed = a.GetValue(_seed),
            Beta = a.GetValue(_beta),
            Lambda = a.GetValue(_lambda),
            Method = EditOptions.ParseMethod(a.GetValue(_method)!),
            FineTune = Defaults.FineTune with { LearningRate = a.GetValue(_lr), MaxSteps = a.GetValue(_maxSteps) },
            FluencyTokens = a.GetValue(_fluencyTokens),
            StatisticsTokens = a.GetValue(_statisticsTokens),
        };
        if (options.FluencyTokens < 2) throw new RelensException($"--fluency-tokens must be at least 2, got {options.FluencyTokens}");
        if (options.StatisticsTokens < 1) throw new RelensException($"--statistics-tokens must be at least 1, got {options.StatisticsTokens}");
        if (!(options.Lambda >= 0) || !double.IsFinite(options.Lambda)) throw new RelensException($"--lambda must be a finite number ≥ 0, got {options.Lambda}");
        if (!(options.FineTune.LearningRate > 0)) throw new RelensException($"--lr must be > 0, got {options.FineTune.LearningRate}");
        if (options.FineTune.MaxSteps < 0) throw new RelensException($"--max-steps must be ≥ 0, got {options.FineTune.MaxSteps}");
        return options;
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
        t.Line($"re-measuring {dir} against its source model");
        Print(t, KnowledgeEditor.Reevaluate(dir, relationsDir), null, null);
        return 0;
    }

    private int Experiment(ParseResult a, string modelDir, string outDir, Terminal t)
    {
        string? layerText = a.Given(_layer) ? a.GetValue(_layer) : null;
        if (layerText == "auto") throw new RelensException("--experiment: give --layers LIST (or --layer L), not auto: every set would plan every layer again");
        var layers = (a.GetValue(_layers) ?? layerText ?? "emb").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(LayerRef.Parse).ToList();
        var options = Options(a, layers[0].ToString());
        var methods = a.GetValue(_methods)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(EditOptions.ParseMethod).Distinct().ToList();
        int singles = a.GetValue(_singles);
        var batches = a.GetValue(_batches)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(x => int.TryParse(x, out int n) && n > 0 ? n : throw new RelensException($"--batches: '{x}' is not a positive number")).ToList();
        if (singles < 0) throw new RelensException($"--singles must be ≥ 0, got {singles}");
        var pool = a.GetValue(_edits) is { } file ? EditFile.Read(file) : null;
        EditedFolder.CheckTarget(outDir);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var session = EditSession.Open(modelDir, a.GetValue(_relations), a.GetValue(_text));
        var settings = new ExperimentSettings(singles, batches, ExperimentArm.For(methods, layers), options);
        var rows = ExperimentFolder.Run(session, pool, settings, outDir, t.Line, clock.Elapsed.TotalSeconds);
        var (png, svg) = EditCurvesImage.Write(rows, ExperimentFolder.ModelName(session.Lm.Directory), Path.Combine(outDir, "editing.png"));
        t.Line(ExperimentTable.Markdown(rows));
        t.Line($"wrote      {outDir} (experiment.json, editing.md, editing.html, {Path.GetFileName(png)}{(svg ? " — Skia not available, SVG instead" : "")}, sets/)");
        return 0;
    }

    /// <summary>`--combine DIR,DIR…`: the rows of several experiments (e.g. one process per arm) in one table and figure.</summary>
    private static int Combine(string dirs, string outDir, Terminal t)
    {
        var rows = new List<ExperimentRow>();
        string model = "";
        foreach (var dir in dirs.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var results = ExperimentFolder.TryLoad(dir)
                ?? throw RelensException.InFile(dir, $"has no {ExperimentFolder.JsonName} (--combine takes folders written by `relens edit --experiment` or a run's editing/)");
            model = results.Model;
            rows.AddRange(results.Rows);
        }
        Directory.CreateDirectory(outDir);
        File.WriteAllText(Path.Combine(outDir, "editing.md"), ExperimentTable.Markdown(rows));
        File.WriteAllText(Path.Combine(outDir, "editing.html"), EditingSection.Page(rows, model));
        var (png, _) = EditCurvesImage.Write(rows, model, Path.Combine(outDir, "editing.png"));
        t.Line(ExperimentTable.Markdown(rows));
        t.Line($"wrote      {outDir} (editing.md, editing.html, {Path.GetFileName(png)})");
        return 0;
    }
}
