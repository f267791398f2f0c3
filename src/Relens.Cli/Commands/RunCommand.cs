using Relens.Relations;
using System.Globalization;
using Relens.Cli.Output;
using Relens.Models;
using Relens.Runs;
using Relens.Runs.Shards;

namespace Relens.Cli.Commands;

/// <summary>
/// `relens run`: the paper's protocol on every relation (or --only some), with progress, then the summary
/// table and the list of linear relations. Output layout: see Relens.Reporting.RunFolder.
/// </summary>
public sealed class RunCommand : ICommand
{
    private readonly Func<string, LanguageModel>? _loadModel;
    private readonly TextWriter? _output;

    public RunCommand() : this(null, null) { }

    /// <param name="loadModel">Loads --model (tests pass an in-memory model); default LanguageModel.Load.</param>
    /// <param name="output">Plain output instead of the terminal (tests).</param>
    public RunCommand(Func<string, LanguageModel>? loadModel, TextWriter? output)
    {
        _loadModel = loadModel;
        _output = output;
    }

    public string Name => "run";
    public string Summary => "run the paper's protocol on the relations: sweeps, summary, saved LREs, report.html";

    /// <summary>What the last <see cref="Run"/> did (for tests and embedding).</summary>
    public RunResult? LastResult { get; private set; }

    /// <summary>What the last <see cref="Run"/> did when it computed one shard (--shard, or a scheduler's array index).</summary>
    public ShardRunResult? LastShardResult { get; private set; }

    // "paper-hparams" is both: the flag, or --paper-hparams=MODEL
    public static readonly string[] ValueOptions = ["model", "relations", "only", "layers", "trials", "shots", "beta", "betas", "ranks", "seed", "out", "paper-hparams", "shard", "shards", "edits", .. ModelLoadArgs.ValueOptions, .. TraceValueOptions];
    public static readonly string[] FlagOptions = ["resume", "no-progress", "paper-hparams", "no-paper-hparams", .. ModelLoadArgs.FlagOptions, .. TraceFlagOptions];
    private static readonly string[] SweepOptions = ["layers", "beta", "betas", "ranks"];

    public int Run(IReadOnlyList<string> args)
    {
        if (Usage.Requested(args)) return Usage.Print(Usage.Run, _output);
        var a = CliArgs.Parse(args, ValueOptions, FlagOptions);
        if (a.Positional.Count > 0)
            throw new RelensException(a.Flag("paper-hparams") && PaperRunSettings.Models.Contains(a.Positional[0])
                ? $"unexpected argument '{a.Positional[0]}': write --paper-hparams={a.Positional[0]}"
                : $"unexpected argument '{a.Positional[0]}' (relation names go after --only)");
        if (a.Has("paper-hparams") && a.Flag("no-paper-hparams")) throw new RelensException("--paper-hparams and --no-paper-hparams contradict each other");
        var options = new RunOptions
        {
            ModelDirectory = a.Get("model"),
            RelationsDirectory = a.Get("relations"),
            Only = a.GetAll("only").SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList(),
            Layers = a.Get("layers"),
            Trials = a.GetInt("trials", 3),
            Shots = a.GetInt("shots", 8),
            Beta = a.GetDouble("beta", 2.25),
            Seed = a.GetInt("seed", 0),
            Betas = a.Get("betas"),
            Ranks = a.Get("ranks"),
            OutputDirectory = a.Get("out") ?? "relens-out",
            Resume = a.Flag("resume"),
            PaperHparams = a.Flag("no-paper-hparams") ? PaperRunSettings.Off
                : a.Get("paper-hparams") is { } model ? model
                : a.Flag("paper-hparams") ? PaperRunSettings.On : null,
            SweepOptionsGiven = SweepOptions.Where(a.Has).Select(o => "--" + o).ToList(),
        };
        var shard = ShardSpec.Resolve(a.Get("shard"), a.Get("shards"), Environment.GetEnvironmentVariables());
        var trace = TraceSettings(a);
        if (trace is not null && shard is not null) throw new RelensException("--trace does not work with --shard yet: run `relens trace --relation ...` on the merged run's model instead");
        var quantization = ModelLoadArgs.Quantization(a);
        // --edits FILE (issue 14): after the sweeps, the editing experiment of `relens edit --experiment` into editing/ and report.html
        var edits = Relens.Editing.RunEditSettings.Read(a.Get("edits"), shard is not null, quantization is not null);
        if (a.Has("only") && options.Only.Count == 0) throw new RelensException("--only needs at least one relation name");
        var terminal = Terminal.Create(a.Flag("no-progress"), _output);

        // the default world model only knows its own world's relations: measure those unless told otherwise
        if (options.ModelDirectory is null && options.Only.Count == 0)
            options = options with { Only = DefaultModel.RelationsIn(RelationDataRoot.Resolve(options.RelationsDirectory)) };
        // every check that needs no model first: a typo should not cost a model load
        // shards share one folder: each checks only its own files (ShardRun), and a run there before them must match
        var plan = RunPreflight.Plan(shard is null ? options : options with { Resume = true });
        string modelDir = options.ModelDirectory ?? DefaultModel.Resolve(terminal.Line, options.RelationsDirectory);
        terminal.Muted($"loading model {modelDir}");
        using var lm = ModelLoadArgs.Load(_loadModel, modelDir, quantization);
        plan = RunPreflight.CheckModel(plan, lm);
        trace?.ForModel(lm.Model.NumLayers);

        var s = plan.Settings;   // after CheckModel: ranks resolved
        terminal.Line($"model      {lm.Directory} ({lm.ModelType}, {lm.Model.NumLayers} layers, d = {lm.Model.HiddenSize}{(lm.Quantization is { } q ? $", weights {q.Describe()}" : "")})");
        terminal.Line($"relations  {plan.Relations.Count} from {plan.Dataset.Root}");
        if (plan.SampleNote is { } sampleNote) terminal.Line($"samples    {sampleNote}");
        terminal.Line($"protocol   n = {s.Shots} shots, {s.Trials} trials (seed {s.Seed}), β = {s.Beta.ToString(CultureInfo.InvariantCulture)}, layers {string.Join(",", LayerSpec.Names(s.Layers, lm.Model.NumLayers))}");
        terminal.Line($"grids      β {string.Join(",", s.Betas.Select(b => b.ToString(CultureInfo.InvariantCulture)))}; ranks {string.Join(",", s.RanksFor(lm.Model.HiddenSize))}");
        if (plan.PaperModel is { } paper) terminal.Line($"hparams    the paper's for {paper}: {plan.Hparams.Count} relations at their own layers, β and rank");
        terminal.Line($"output     {plan.Folder.Directory}{(plan.Resuming ? " (resuming)" : "")}");
        foreach (var note in plan.Notes) terminal.Muted("note: " + note);
        int skippedCount = plan.SkippedSamples.Values.Sum(v => v.Count);
        if (skippedCount > 0) terminal.Line($"skipped    {skippedCount} samples whose subject cannot be located (listed at the end)");
        if (shard is { } selected)
        {
            // shards mark a unit finished by the run-wide layer list; the paper's per-relation layers would never finish one
            if (plan.PaperModel is { } paperModel)
                throw new RelensException($"--shard does not support the paper's per-relation hparams ({paperModel}) yet: pass --no-paper-hparams (or --layers) to shard this run");
            LastShardResult = ShardedRun.Execute(terminal, lm, plan, selected.Shard, selected.Source, options.Resume);
            return 0;
        }

        var result = terminal.Live
            ? SpectreRunProgress.Create(terminal.Console).Start(ctx => new RelationRun(lm, plan, new SpectreRunProgress(ctx, terminal.Console)) { Trace = trace, Edits = edits }.Execute())
            : new RelationRun(lm, plan, new PlainRunProgress(terminal)) { Trace = trace, Edits = edits }.Execute();
        LastResult = result;

        terminal.Line("");
        SummaryTable.Write(terminal, result.Summary, result.Info.PaperHparams);
        foreach (var note in result.Notes.Except(plan.Notes)) terminal.Muted("note: " + note);
        terminal.Line($"{result.UnitsComputed} units computed in {result.Info.Seconds:0.#} s (total over sessions); results in {plan.Folder.Directory}");
        terminal.Line($"report: {result.ReportPath}");
        if (result.Failed.Count == 0) return 0;
        terminal.Line($"relens run: error: {result.Failed.Count} relations could not be run (the others are in the results):");
        foreach (var f in result.Failed) terminal.Line($"  {f.Relation}: {f.Error}");
        // a file that cannot be read is bad input (2); an error while sweeping is a runtime failure (1)
        return plan.BrokenFiles.Count > 0 ? 2 : 1;
    }

    // ---- `relens run --trace` (issue #13): every trace option of the run command is here ----------------------
    // --trace                 after the sweeps, trace each relation's known facts (trial 0's prompts) into traces/
    //                         and report.html
    // --trace-facts N         known facts traced per relation (default 10)
    // --trace-kind LIST       state,mlp,attn,knockout or all (default all)
    // --trace-samples N       noise samples per corrupted run (default 10)
    // --trace-window W        the MLP/attention restoring window and the knockout window (default: the papers' 10
    //                         and 9, clamped to the model's layer count)
    private static string[] TraceValueOptions => ["trace-facts", "trace-kind", "trace-samples", "trace-window"];   // properties: ValueOptions above reads them during static init
    private static string[] TraceFlagOptions => ["trace"];

    private static RunTraceSettings? TraceSettings(CliArgs a)
    {
        var given = TraceValueOptions.Where(a.Has).ToList();
        if (!a.Flag("trace"))
            return given.Count == 0 ? null : throw new RelensException($"--{given[0]} goes with --trace");
        var defaults = new Tracing.TraceOptions();
        int window = a.GetInt("trace-window", defaults.Window);
        var settings = new RunTraceSettings
        {
            MaxFacts = a.GetInt("trace-facts", 10),
            Kinds = Tracing.TraceKinds.ParseList(a.Get("trace-kind")),
            Options = defaults with
            {
                Samples = a.GetInt("trace-samples", defaults.Samples),
                Window = window,
                KnockoutWindow = a.Has("trace-window") ? window : defaults.KnockoutWindow,
            },
            WindowsGiven = a.Has("trace-window"),
        };
        settings.Validate();
        return settings;
    }
}
