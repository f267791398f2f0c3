using System.Globalization;
using Relens.Cli.Output;
using Relens.Models;
using Relens.Relations;
using Relens.Reporting.Charts;
using Relens.Runs;
using Relens.Evaluation;
using Relens.Sweeps;
using Relens.Tracing;

namespace Relens.Cli.Commands;

/// <summary>
/// `relens trace`: causal tracing and attention knockout of one prompt or of a relation's known facts (averaged by
/// token role), written as JSON and PNG heat maps. The work is in Relens.Tracing.
/// </summary>
public sealed class TraceCommand : ICommand
{
    private readonly Func<string, LanguageModel>? _loadModel;
    private readonly TextWriter? _output;

    public TraceCommand() : this(null, null) { }

    public TraceCommand(Func<string, LanguageModel>? loadModel, TextWriter? output)
    {
        _loadModel = loadModel;
        _output = output;
    }

    public string Name => "trace";
    public string Summary => "where is the fact read: causal tracing (state/mlp/attn) and attention knockout, JSON + PNG";

    /// <summary>The relation results of the last run (tests).</summary>
    public IReadOnlyList<RelationTraceResult> LastRelations { get; private set; } = [];

    public int Run(IReadOnlyList<string> args)
    {
        if (Usage.Requested(args)) return Usage.Print(Usage.Trace, _output);
        var a = CliArgs.Parse(args,
            ["model", "relation", "prompt", "subject", "object", "kind", "samples", "noise-factor", "noise", "seed", "window", "knockout-window",
             "shots", "split-seed", "max-facts", "relations", "batch", "out", .. ModelLoadArgs.ValueOptions],
            ["zero-shot", "force", "all-tokens", "no-color", .. ModelLoadArgs.FlagOptions]);
        if (a.Positional.Count > 0) throw new RelensException($"unexpected argument '{a.Positional[0]}' (relation names go after --relation)");
        bool single = a.Has("prompt");
        if (single == a.Has("relation")) throw new RelensException("give either --relation NAME... or --prompt TEXT --subject S");
        if (single && !a.Has("subject")) throw new RelensException("--prompt needs --subject S (the subject whose tokens are corrupted)");
        if (!single && (a.Has("subject") || a.Has("object") || a.Has("force"))) throw new RelensException("--subject, --object and --force go with --prompt");
        var kinds = TraceKinds.ParseList(a.Get("kind"));
        var options = new TraceOptions
        {
            Samples = a.GetInt("samples", 10),
            NoiseFactor = a.GetDouble("noise-factor", 3),
            Noise = a.Has("noise") ? a.GetDouble("noise", 0) : null,
            Seed = a.GetInt("seed", 1),
            Window = a.GetInt("window", 10),
            KnockoutWindow = a.GetInt("knockout-window", 9),
            AllTokens = a.Flag("all-tokens"),
            MaxCellsPerForward = a.Has("batch") ? a.GetInt("batch", 1) : null,
        };
        int shots = a.GetInt("shots", 8), maxFacts = a.GetInt("max-facts", 50);
        if (shots < 1) throw new RelensException($"--shots must be at least 1, got {shots}");
        if (maxFacts < 1) throw new RelensException($"--max-facts must be at least 1, got {maxFacts}");
        options.Validate(int.MaxValue);   // model-independent checks first; the layer count is checked once loaded
        var terminal = Terminal.Create(a.Flag("no-color"), _output);

        // every check that needs no model first
        IReadOnlyList<Relation> relations = [];
        if (!single)
        {
            var dataset = RelationDataset.Load(RelationDataRoot.Resolve(a.Get("relations")));
            relations = RunPreflight.Select(dataset, a.GetAll("relation").SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList());
        }
        string outDir = Path.GetFullPath(a.Get("out") ?? "relens-trace");
        OutputFolderCheck.Check(outDir, resume: true);

        string modelDir = a.Get("model") ?? DefaultModel.Resolve(terminal.Line, a.Get("relations"));
        terminal.Muted($"loading model {modelDir}");
        using var lm = ModelLoadArgs.Load(_loadModel, modelDir, a);
        // the papers' default windows (10, 9) are for models of 28–48 layers: unless given, clamp them to a smaller model
        int layers = lm.Model.NumLayers;
        options = options.ClampWindows(layers, a.Has("window"), a.Has("knockout-window"));
        if (layers < 20 && !(a.Has("window") && a.Has("knockout-window")))
            terminal.Muted($"note: the default windows (10 and 9 layers) are meant for models of 28–48 layers; on {layers} layers consider --window 1 --knockout-window 1");
        options.Validate(layers);
        var tracer = new CausalTracer(lm, options);
        var settings = TraceJson.Settings(tracer, lm.Directory);
        terminal.Line($"model  {lm.Directory} ({lm.ModelType}, {lm.Model.NumLayers} layers); σ = {F(tracer.Sigma)} "
            + (options.Noise is null ? $"({F(options.NoiseFactor)} × std of the token embeddings over the vocabulary)" : "(--noise)")
            + $", {options.Samples} noise samples, windows {options.Window} (mlp/attn) and {options.KnockoutWindow} (knockout), kinds {string.Join(",", kinds.Select(k => k.Name()))}");
        Directory.CreateDirectory(outDir);

        if (single) return TracePrompt(a, lm, tracer, kinds, settings, outDir, terminal);

        var taught = Relens.World.WorldFactsFile.TryRead(lm.Directory);
        var results = new List<RelationTraceResult>();
        foreach (var relation0 in relations)
        {
            var relation = taught is null ? relation0 : RunPreflight.TaughtFactsOnly(relation0, taught);
            var facts = TraceFacts.Select(lm, relation, shots, a.GetInt("split-seed", 0), a.Flag("zero-shot"), maxFacts);
            terminal.Line($"{relation.Name}: {facts.Known.Count} known facts traced (of {facts.Candidates} candidates; {facts.PromptNote})");
            if (facts.Known.Count == 0) { terminal.Muted($"{relation.Name}: the model knows none of these facts; nothing to trace"); continue; }
            int lastShown = -1;
            var result = RelationTrace.Run(tracer, relation.Name, facts, kinds, (done, total) =>
            {
                int pct = 100 * done / total;
                if (pct / 25 != lastShown / 25 || done == total) { terminal.Muted($"  {done}/{total} traces"); lastShown = pct; }
            });
            results.Add(result);
            string stem = FileStem(relation.Name);
            string json = Path.Combine(outDir, stem + ".trace.json");
            TraceJson.Write(json, TraceJson.Relation(result, settings));
            terminal.Line($"  wrote {json}");
            string model = Path.GetFileName(lm.Directory);
            foreach (var (kind, avg) in result.Averages) Image(terminal, TraceMap.Of(avg, relation.Name, model), Path.Combine(outDir, $"{stem}.{kind.Name()}.png"));
            if (result.Knockout is { } k) Image(terminal, TraceMap.Of(k, relation.Name, model), Path.Combine(outDir, $"{stem}.knockout.png"));
            WriteSummary(terminal, result);
        }
        LastRelations = results;
        return 0;
    }

    private int TracePrompt(CliArgs a, LanguageModel lm, CausalTracer tracer, IReadOnlyList<TraceKind> kinds,
        System.Text.Json.Nodes.JsonObject settings, string outDir, Terminal terminal)
    {
        string text = a.Require("prompt").Replace("\\n", "\n");
        var prompt = Relens.Tracing.TracePrompt.Create(lm, text, a.Require("subject"), a.Get("object"));
        var answer = tracer.Clean(prompt);
        bool known = prompt.Object is { } obj && KnownFacts.IsKnown(lm, answer.AnswerId, obj);
        if (!known && !a.Flag("force"))
            throw new RelensException(prompt.Object is null
                ? $"the model's answer is \"{answer.Answer}\" (p = {F(answer.Probability)}), but without --object it cannot be checked that the model knows the fact; give --object, or --force to trace it anyway"
                : $"the model does not know this fact: its top-1 next token \"{answer.Answer}\" (p = {F(answer.Probability)}) is not a prefix of --object \"{prompt.Object}\"; pass --force to trace it anyway");
        terminal.Line($"answer \"{answer.Answer}\" p = {F(answer.Probability)}{(known ? "" : " (not checked as known: --force)")}; subject tokens {prompt.SubjectFirst}..{prompt.SubjectLast} of {prompt.Count}");
        var traces = kinds.Where(k => k != TraceKind.Knockout).Select(k => tracer.Trace(prompt, k, answer)).ToList();
        var knockout = kinds.Contains(TraceKind.Knockout) ? tracer.Knockout(prompt, answer) : null;
        foreach (var t in traces)
            terminal.Line($"{t.Kind.Name(),-8} corrupted p = {F(t.Corrupted)}; best restoration p = {F(t.Scores.Max(r => r.Max()))}");
        if (knockout is not null)
            terminal.Line($"knockout most harmful window around layer {Array.IndexOf(knockout.WindowChange, knockout.WindowChange.Min())}: {knockout.WindowChange.Min():+0.0%;-0.0%}");
        var o = TraceJson.Prompt(prompt, traces, knockout);
        o["settings"] = settings.DeepClone();
        string json = Path.Combine(outDir, "prompt.trace.json");
        TraceJson.Write(json, o);
        terminal.Line($"wrote {json}");
        string model = Path.GetFileName(lm.Directory);
        foreach (var t in traces) Image(terminal, TraceMap.Of(t, model), Path.Combine(outDir, $"prompt.{t.Kind.Name()}.png"));
        if (knockout is not null) Image(terminal, TraceMap.Of(knockout, model), Path.Combine(outDir, "prompt.knockout.png"));
        return 0;
    }

    private static void Image(Terminal terminal, TraceMap map, string path)
    {
        var (written, svg) = TraceImage.Write(map, path);
        terminal.Line(svg ? $"  SkiaSharp's native library could not be loaded here, so the heat map was written as SVG: {written}" : $"  wrote {written}");
    }

    private static void WriteSummary(Terminal terminal, RelationTraceResult r)
    {
        foreach (var (kind, avg) in r.Averages)
        {
            var last = avg.Scores[TokenRoles.LastSubject];
            var final = avg.Scores[TokenRoles.Last];
            terminal.Line($"  {kind.Name(),-6} clean {F(avg.Clean)} corrupted {F(avg.Corrupted)}; last subject token by layer [{Row(last)}]; last token [{Row(final)}]");
        }
        if (r.Knockout is { } k)
            terminal.Line($"  knockout (window {k.WindowSize}) change by layer [{string.Join(" ", k.WindowChange.Select(Percent))}]; " +
                $"from layer on [{string.Join(" ", k.FromLayerChange.Select(Percent))}]");
    }

    private static string Row(double?[] row) => string.Join(" ", row.Select(v => v is { } x ? F(x) : "–"));
    private static string Percent(double x)
    {
        double p = Math.Round(x * 100);
        return p == 0 ? "0%" : p.ToString("+0;-0", CultureInfo.InvariantCulture) + "%";
    }
    private static string F(double x) => x.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>A relation name as a file name ("country capital city" → "country_capital_city").</summary>
    public static string FileStem(string name) =>
        string.Concat(name.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' ? c : '_'));
}
