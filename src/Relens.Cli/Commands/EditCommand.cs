using System.Globalization;
using System.Text.Json.Nodes;
using Relens.Cli.Output;
using Relens.Editing;
using Relens.Models;

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
        var a = CliArgs.Parse(args, ["model", "edits", "out", "layer", "method", "rank", "shots", "seed", "beta", "lambda", "text", "relations", "lr", "max-steps", "eval",
            .. ExperimentValueOptions], [.. ExperimentFlags]);
        var terminal = Terminal.Create(true, _output);
        if (a.Get("eval") is { } evalDir) return Evaluate(evalDir, a.Get("relations"), terminal);
        if (a.Get("combine") is { } combine) return Combine(combine, Path.GetFullPath(a.Require("out")), terminal);

        string modelDir = a.Require("model");
        string outDir = Path.GetFullPath(a.Require("out"));
        if (a.Flag("experiment")) return Experiment(a, modelDir, outDir, terminal);
        var edits = EditFile.Read(a.Require("edits"));
        string layerText = a.Get("layer") ?? "auto";
        var options = Options(a, layerText);
        terminal.Line($"editing {modelDir}: {edits.Count} edit(s), method {EditOptions.Name(options.Method)}, layer {layerText}");
        var run = KnowledgeEditor.Run(modelDir, edits, outDir, options, a.Get("relations"), a.Get("text"), terminal.Line);
        Print(terminal, run.Metrics, run.Reference, run.Seconds);
        terminal.Line($"wrote      {outDir} (config.json, model.safetensors, tokenizer files, {EditsJson.FileName})");
        return 0;
    }

    private static EditOptions Options(CliArgs a, string layerText)
    {
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
            FluencyTokens = a.GetInt("fluency-tokens", 20_000),
            StatisticsTokens = a.GetInt("statistics-tokens", 100_000),
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

    // ---- `relens edit --experiment` (issue 14's library question). All of its options are here, for the CLI port. ----

    private static readonly string[] ExperimentValueOptions = ["singles", "batches", "methods", "layers", "fluency-tokens", "statistics-tokens", "combine"];
    private static readonly string[] ExperimentFlags = ["experiment"];

    private static int Experiment(CliArgs a, string modelDir, string outDir, Terminal t)
    {
        string? layerText = a.Get("layer");
        if (layerText == "auto") throw new RelensException("--experiment: give --layers LIST (or --layer L), not auto: every set would plan every layer again");
        var layers = (a.Get("layers") ?? layerText ?? "emb").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(LayerRef.Parse).ToList();
        var options = Options(a, layers[0].ToString());
        var methods = (a.Get("methods") ?? "lre-rank1,finetune").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(EditOptions.ParseMethod).Distinct().ToList();
        var arms = methods.SelectMany(m => m == EditMethod.LreRank1 ? layers.Select(l => new ExperimentArm(m, l)) : [new ExperimentArm(m, layers[0])]).ToList();
        int singles = a.GetInt("singles", 20);
        var batches = a.Get("batches") is { } b
            ? b.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(x => int.TryParse(x, out int n) && n > 0 ? n
                : throw new RelensException($"--batches: '{x}' is not a positive number")).ToList()
            : [1, 10, 50, 100];
        if (singles < 0) throw new RelensException($"--singles must be ≥ 0, got {singles}");
        EditedFolder.CheckTarget(outDir);
        Directory.CreateDirectory(outDir);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var session = EditSession.Open(modelDir, a.Get("relations"), a.Get("text"));
        var seconds = new Dictionary<string, double> { ["load"] = clock.Elapsed.TotalSeconds };
        int needed = Math.Max(singles, batches.DefaultIfEmpty(0).Max());
        var pool = a.Get("edits") is { } file ? EditFile.Read(file) : EditSampler.Draw(session, needed, options);
        seconds["draw"] = clock.Elapsed.TotalSeconds - seconds["load"];
        t.Line($"experiment on {modelDir}: {pool.Count} edits in the pool, {singles} singles, batches {string.Join("/", batches)}, arms {string.Join(", ", arms.Select(x => x.Name))}");
        string model = Path.GetFileName(Path.TrimEndingDirectorySeparator(session.Lm.Directory));
        void Write(IReadOnlyList<ExperimentSet> sets)
        {
            var rows = ExperimentTable.Rows(sets);
            seconds["total"] = clock.Elapsed.TotalSeconds;
            File.WriteAllText(Path.Combine(outDir, "experiment.json"), ExperimentTable.Json(session.Lm.Directory, pool, sets, rows, seconds).ToJsonString(EditsJson.Indented));
            File.WriteAllText(Path.Combine(outDir, "editing.md"), ExperimentTable.Markdown(rows));
            File.WriteAllText(Path.Combine(outDir, "editing.html"), EditingPage(rows, model));
        }
        var sets = EditExperiment.Run(session, pool, singles, batches, arms, options, outDir, t.Line, Write);
        Write(sets);
        var rows = ExperimentTable.Rows(sets);
        var (png, svg) = EditCurvesImage.Write(rows, model, Path.Combine(outDir, "editing.png"));
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
            string path = Path.Combine(dir, "experiment.json");
            if (!File.Exists(path)) throw RelensException.InFile(dir, "has no experiment.json (--combine takes folders written by `relens edit --experiment`)");
            var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
            model = Path.GetFileName(Path.TrimEndingDirectorySeparator(json["source_model"]?.GetValue<string>() ?? ""));
            rows.AddRange(ExperimentTable.RowsFromJson(json, path));
        }
        Directory.CreateDirectory(outDir);
        File.WriteAllText(Path.Combine(outDir, "editing.md"), ExperimentTable.Markdown(rows));
        File.WriteAllText(Path.Combine(outDir, "editing.html"), EditingPage(rows, model));
        var (png, _) = EditCurvesImage.Write(rows, model, Path.Combine(outDir, "editing.png"));
        t.Line(ExperimentTable.Markdown(rows));
        t.Line($"wrote      {outDir} (editing.md, editing.html, {Path.GetFileName(png)})");
        return 0;
    }

    private static string EditingPage(IReadOnlyList<ExperimentRow> rows, string model)
    {
        static string E(string s) => System.Net.WebUtility.HtmlEncode(s);
        static string F(double? x) => x is { } v && double.IsFinite(v) ? v.ToString("0.00", CultureInfo.InvariantCulture) : "–";
        var body = string.Join("", rows.Select(r => $"<tr><td>{E(r.Arm)}</td><td>{E(r.Label)}</td><td>{F(r.Efficacy)}</td><td>{F(r.Paraphrase)}</td><td>{F(r.Specificity)}</td>"
            + $"<td>{F(r.Retention)}</td><td>{F(r.PerplexityBefore)} → {F(r.PerplexityAfter)}</td><td>{F(r.ReferenceEfficacy)}</td><td>{F(r.Seconds)}</td><td>{E(r.Error ?? "")}</td></tr>"));
        return $"<!doctype html><meta charset=\"utf-8\"><title>Knowledge editing: {E(model)}</title><section id=\"editing\"><h2>Knowledge editing ({E(model)})</h2>"
            + Relens.Reporting.Charts.EditCurvesChart.Svg(rows, model)
            + "<table><tr><th>arm</th><th>edits</th><th>efficacy</th><th>paraphrase</th><th>specificity</th><th>retention</th><th>perplexity before → after</th><th>representation edit efficacy</th><th>edit seconds</th><th>note</th></tr>"
            + body + "</table></section>";
    }
}
