using System.CommandLine;
using System.Globalization;
using Relens.Cli.CommandLine;
using Relens.Cli.Output;
using Relens.Models;
using Relens.Relations;
using Relens.Runs;
using Relens.Runs.Shards;

namespace Relens.Cli.Commands;

/// <summary>
/// `relens run`: the paper's protocol on every relation (or --only some), with progress, then the summary
/// table and the list of linear relations. Output layout: see Relens.Reporting.RunFolder.
/// </summary>
public sealed class RunCommand(Func<string, LanguageModel>? loadModel, TextWriter? output) : CommandBase(output)
{
    public RunCommand() : this(null, null) { }

    public override string Name => "run";
    public override string Summary => "run the paper's protocol on the relations: sweeps, summary, saved LREs, report.html";

    /// <summary>What the last <see cref="CommandBase.Run"/> did (for tests and embedding).</summary>
    public RunResult? LastResult { get; private set; }

    /// <summary>What the last run did when it computed one shard (--shard, or a scheduler's array index).</summary>
    public ShardRunResult? LastShardResult { get; private set; }

    // ---- the options of `relens run`: a new one is a field here (added to the command by Create through All) and a
    // line where Execute reads it. Defaults come from RunOptions, so help shows what the library does. ----
    private static readonly RunOptions Defaults = new();
    internal readonly Option<string?> Model = Opt.Text("--model", "DIR", "a Hugging Face checkpoint folder (default: the default world model, trained once into the cache)");
    internal readonly Option<string?> Relations = Opt.RelationsFolder();
    internal readonly Option<string[]> Only = Opt.List("--only", "NAME", "relation names or file stems, several or comma-separated (default: all; on the default model its world's relations)");
    internal readonly Option<string?> Layers = Opt.Text("--layers", "LIST", "layers to sweep, e.g. emb,0,2-4 (default: all = emb and every block)");
    internal readonly Option<int> Trials = Opt.Int("--trials", "N", "trials per relation; trial t splits with seed S+t", Defaults.Trials);
    internal readonly Option<int> Shots = Opt.Int("--shots", "N", "n: training samples (shots) per trial", Defaults.Shots);
    internal readonly Option<double> Beta = Opt.Number("--beta", "B", "β of the reported faithfulness", Defaults.Beta);
    internal readonly Option<string?> Betas = Opt.Text("--betas", "LIST", "β grid of the faithfulness sweep (default: 0, 0.25, …, 5)");
    internal readonly Option<string?> Ranks = Opt.Text("--ranks", "LIST", "rank grid of the causality sweep, 'full' = d (default: 0..d in ~16 steps)");
    internal readonly Option<int> Seed = Opt.Int("--seed", "S", "seed of trial 0's split", (int)Defaults.Seed);
    internal readonly Option<string> Out = Opt.Text("--out", "DIR", "output folder; an existing non-empty one needs --resume", Defaults.OutputDirectory);
    internal readonly Option<bool> Resume = Opt.Flag("--resume", "continue an interrupted run with the same settings, skipping finished work");
    internal readonly Option<bool> NoProgress = Opt.Flag("--no-progress", "plain log lines instead of progress bars (also when redirected or CI=true)");
    internal readonly Option<string?> PaperHparams = new Option<string?>("--paper-hparams")
    {
        HelpName = "MODEL", Arity = ArgumentArity.ZeroOrOne,
        Description = $"each relation at the paper's layers, β and rank (relations/hparams/<model>/); on by default for GPT-J-6B, GPT-2-XL and LLaMA-13B unless --layers/--beta/--betas/--ranks are given; =MODEL ({string.Join("|", PaperRunSettings.Models)}) names the hparams for another model",
    }.Suggest(PaperRunSettings.Models);
    internal readonly Option<bool> NoPaperHparams = Opt.Flag("--no-paper-hparams", "turn the paper's hparams off");
    internal readonly Option<string?> Shard = Opt.Text("--shard", "I/N", "compute only shard I (0..N-1) of the run's units into DIR/shards/, then `relens merge DIR`; without it SLURM_ARRAY_TASK_ID (or JOB_COMPLETION_INDEX with --shards N) selects one (docs/CLUSTER.md)");
    internal readonly Option<string?> Shards = Opt.Text("--shards", "N", "the shard count when a scheduler's index selects the shard");
    internal readonly Option<string?> Edits = Opt.Text("--edits", "FILE", "after the sweeps, the editing experiment of `relens edit --experiment` on these edits (TSV: subject, relation, new object) into DIR/editing/ and a section of report.html (docs/EDITING.md)");
    private readonly ModelLoadOptions _load = new();
    private readonly RunTraceOptions _trace = new();

    private IEnumerable<Option> All => [Model, Relations, Only, Layers, Trials, Shots, Beta, Betas, Ranks, Seed, Out, Resume, NoProgress,
        PaperHparams, NoPaperHparams, Shard, Shards, Edits];
    // the sweep options the user gave turn the automatic --paper-hparams off
    private IEnumerable<Option> SweepOptions => [Layers, Beta, Betas, Ranks];

    protected override Command Create()
    {
        var command = new CliCommand(Name, Summary)
        {
            Usage = ["relens run [--model DIR] [--relations DIR] [--only NAME...] [--layers LIST] [--trials N] [--shots N] [--out DIR] [options]"],
            Details = "The paper's protocol per relation: n-shot prompts from seeded splits (trial t uses seed S+t), the known-fact filter, "
                + "an LRE per layer, faithfulness over the β grid, causality over the rank grid, and the baselines. Samples whose subject cannot "
                + "be located are skipped (listed at the end and in the report); a relation file that cannot be read is an error for that relation "
                + "only: the run does the others, then exits with status 2. Writes run.json, results.jsonl/.csv, summary.json/.csv, lres/, report.html.",
        };
        foreach (var option in All) command.Add(option);
        _load.AddTo(command);
        _trace.AddTo(command);
        command.SetAction(Execute);
        return command;
    }

    private int Execute(ParseResult r)
    {
        if (r.Given(PaperHparams) && r.GetValue(NoPaperHparams)) throw new RelensException("--paper-hparams and --no-paper-hparams contradict each other");
        var only = r.GetValue(Only) ?? [];
        var options = new RunOptions
        {
            ModelDirectory = r.GetValue(Model),
            RelationsDirectory = r.GetValue(Relations),
            Only = only.SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList(),
            Layers = r.GetValue(Layers),
            Trials = r.GetValue(Trials),
            Shots = r.GetValue(Shots),
            Beta = r.GetValue(Beta),
            Seed = r.GetValue(Seed),
            Betas = r.GetValue(Betas),
            Ranks = r.GetValue(Ranks),
            OutputDirectory = r.GetValue(Out)!,
            Resume = r.GetValue(Resume),
            PaperHparams = r.GetValue(NoPaperHparams) ? PaperRunSettings.Off
                : r.GetValue(PaperHparams) is { } model ? model
                : r.Given(PaperHparams) ? PaperRunSettings.On : null,
            SweepOptionsGiven = SweepOptions.Where(r.Given).Select(o => o.Name).ToList(),
        };
        var shard = ShardSpec.Resolve(r.GetValue(Shard), r.GetValue(Shards), Environment.GetEnvironmentVariables());
        var trace = _trace.Settings(r);
        if (trace is not null && shard is not null) throw new RelensException("--trace does not work with --shard yet: run `relens trace --relation ...` on the merged run's model instead");
        var quantization = _load.Quantization(r);
        // --edits FILE (issue 14): checked before the model loads; run after the sweeps
        var edits = Relens.Editing.RunEditSettings.Read(r.GetValue(Edits), shard is not null, quantization is not null);
        if (r.Given(Only) && options.Only.Count == 0) throw new RelensException("--only needs at least one relation name");
        var terminal = Terminal.Create(r.GetValue(NoProgress), Output);

        // the default world model only knows its own world's relations: measure those unless told otherwise
        if (options.ModelDirectory is null && options.Only.Count == 0)
            options = options with { Only = DefaultModel.RelationsIn(RelationDataRoot.Resolve(options.RelationsDirectory)) };
        // every check that needs no model first: a typo should not cost a model load
        // shards share one folder: each checks only its own files (ShardRun), and a run there before them must match
        var plan = RunPreflight.Plan(shard is null ? options : options with { Resume = true });
        string modelDir = options.ModelDirectory ?? DefaultModel.Resolve(terminal.Line, options.RelationsDirectory);
        terminal.Muted($"loading model {modelDir}");
        using var lm = ModelLoadOptions.Load(loadModel, modelDir, quantization);
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
}
