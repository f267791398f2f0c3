using Relens.Relations;
using System.Globalization;
using Relens.Cli.Output;
using Relens.Models;
using Relens.Runs;

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

    public static readonly string[] ValueOptions = ["model", "relations", "only", "layers", "trials", "shots", "beta", "betas", "ranks", "seed", "out", .. ModelLoadArgs.ValueOptions];
    public static readonly string[] FlagOptions = ["resume", "no-progress", .. ModelLoadArgs.FlagOptions];

    public int Run(IReadOnlyList<string> args)
    {
        if (Usage.Requested(args)) return Usage.Print(Usage.Run, _output);
        var a = CliArgs.Parse(args, ValueOptions, FlagOptions);
        if (a.Positional.Count > 0) throw new RelensException($"unexpected argument '{a.Positional[0]}' (relation names go after --only)");
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
        };
        var quantization = ModelLoadArgs.Quantization(a);
        if (a.Has("only") && options.Only.Count == 0) throw new RelensException("--only needs at least one relation name");
        var terminal = Terminal.Create(a.Flag("no-progress"), _output);

        // the default world model only knows its own world's relations: measure those unless told otherwise
        if (options.ModelDirectory is null && options.Only.Count == 0)
            options = options with { Only = DefaultModel.RelationsIn(RelationDataRoot.Resolve(options.RelationsDirectory)) };
        // every check that needs no model first: a typo should not cost a model load
        var plan = RunPreflight.Plan(options);
        string modelDir = options.ModelDirectory ?? DefaultModel.Resolve(terminal.Line, options.RelationsDirectory);
        terminal.Muted($"loading model {modelDir}");
        using var lm = ModelLoadArgs.Load(_loadModel, modelDir, quantization);
        plan = RunPreflight.CheckModel(plan, lm);

        var s = plan.Settings;   // after CheckModel: ranks resolved
        terminal.Line($"model      {lm.Directory} ({lm.ModelType}, {lm.Model.NumLayers} layers, d = {lm.Model.HiddenSize}{(lm.Quantization is { } q ? $", weights {q.Describe()}" : "")})");
        terminal.Line($"relations  {plan.Relations.Count} from {plan.Dataset.Root}");
        if (plan.SampleNote is { } sampleNote) terminal.Line($"samples    {sampleNote}");
        terminal.Line($"protocol   n = {s.Shots} shots, {s.Trials} trials (seed {s.Seed}), β = {s.Beta.ToString(CultureInfo.InvariantCulture)}, layers {string.Join(",", LayerSpec.Names(s.Layers, lm.Model.NumLayers))}");
        terminal.Line($"grids      β {string.Join(",", s.Betas.Select(b => b.ToString(CultureInfo.InvariantCulture)))}; ranks {string.Join(",", s.RanksFor(lm.Model.HiddenSize))}");
        terminal.Line($"output     {plan.Folder.Directory}{(plan.Resuming ? " (resuming)" : "")}");

        var result = terminal.Live
            ? SpectreRunProgress.Create(terminal.Console).Start(ctx => new RelationRun(lm, plan, new SpectreRunProgress(ctx, terminal.Console)).Execute())
            : new RelationRun(lm, plan, new PlainRunProgress(terminal)).Execute();
        LastResult = result;

        terminal.Line("");
        SummaryTable.Write(terminal, result.Summary);
        foreach (var note in result.Notes) terminal.Muted("note: " + note);
        terminal.Line($"{result.UnitsComputed} units computed in {result.Info.Seconds:0.#} s (total over sessions); results in {plan.Folder.Directory}");
        terminal.Line($"report: {result.ReportPath}");
        return 0;
    }
}
