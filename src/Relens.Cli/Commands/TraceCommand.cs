using System.CommandLine;
using System.Globalization;
using Relens.Cli.CommandLine;
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
public sealed class TraceCommand(Func<string, LanguageModel>? loadModel, TextWriter? output) : CommandBase(output)
{
    public TraceCommand() : this(null, null) { }

    public override string Name => "trace";
    public override string Summary => "where is the fact read: causal tracing (state/mlp/attn) and attention knockout, JSON + PNG";

    /// <summary>The relation results of the last run (tests).</summary>
    public IReadOnlyList<RelationTraceResult> LastRelations { get; private set; } = [];

    private static readonly TraceOptions Defaults = new();
    private static readonly RunOptions RunDefaults = new();
    private readonly Option<string?> _model = Opt.Text("--model", "DIR", "a Hugging Face checkpoint folder (default: the default world model)");
    private readonly Option<string[]> _relation = Opt.List("--relation", "NAME", "trace the relation's known facts (the ICL prompts and known-fact filter of `relens run`, trial 0) and average them by token role (ROME)");
    private readonly Option<string?> _prompt = Opt.Text("--prompt", "TEXT", "trace one prompt (\"\\n\" is a line break)");
    private readonly Option<string?> _subject = Opt.Text("--subject", "S", "with --prompt: the subject whose tokens are corrupted");
    private readonly Option<string?> _object = Opt.Text("--object", "O", "with --prompt: check that the model knows the fact (its top-1 is a prefix of O)");
    private readonly Option<bool> _force = Opt.Flag("--force", "with --prompt: trace an unknown fact, or one without --object");
    private readonly Option<string?> _kind = Opt.Text("--kind", "LIST", "state,mlp,attn,knockout or all (default: all)").Suggest(["all", .. TraceKinds.All.Select(k => k.Name())]);
    private readonly Option<int> _samples = Opt.Int("--samples", "N", "seeded noise draws per corrupted run", Defaults.Samples);
    private readonly Option<double> _noiseFactor = Opt.Number("--noise-factor", "F", "σ = F × std of the token embedding matrix over the vocabulary", Defaults.NoiseFactor);
    private readonly Option<double?> _noise = Opt.OptionalNumber("--noise", "SIGMA", "an explicit σ instead of --noise-factor");
    private readonly Option<int> _seed = Opt.Int("--seed", "S", "seed of the noise", (int)Defaults.Seed);
    private readonly Option<int> _window = Opt.Int("--window", "W", "layers of MLP or attention outputs restored together (clamped to the model unless given)", Defaults.Window);
    private readonly Option<int> _knockoutWindow = Opt.Int("--knockout-window", "K", "layers whose attention is knocked out together (clamped to the model unless given)", Defaults.KnockoutWindow);
    private readonly Option<int> _shots = Opt.Int("--shots", "N", "shots of the relation prompts", RunDefaults.Shots);
    private readonly Option<int> _splitSeed = Opt.Int("--split-seed", "S", "seed of the relation prompts' split", (int)RunDefaults.Seed);
    private readonly Option<bool> _zeroShot = Opt.Flag("--zero-shot", "zero-shot prompts instead of the n-shot ones");
    private readonly Option<int> _maxFacts = Opt.Int("--max-facts", "N", "known facts traced per relation", 50);
    private readonly Option<string?> _relations = Opt.RelationsFolder();
    private readonly Option<bool> _allTokens = Opt.Flag("--all-tokens", "also run the tokens before the subject (equal to the corrupted run by causality)");
    private readonly Option<int?> _batch = Opt.OptionalInt("--batch", "N", "at most N restorations per forward pass (default: as many as 256 MiB allows; 1 = ROME)");
    private readonly Option<string> _out = Opt.Text("--out", "DIR", "output folder: RELATION.trace.json or prompt.trace.json, PNG maps", "relens-trace");
    private readonly Option<bool> _noColor = Opt.Flag("--no-color", "plain text instead of colours");
    private readonly ModelLoadOptions _load = new();

    protected override Command Create()
    {
        var command = new CliCommand(Name, Summary)
        {
            Usage = ["relens trace [--model DIR] (--relation NAME... | --prompt TEXT --subject S [--object O] [--force]) [--kind LIST] [options]"],
            Details = "Where is the fact read? Causal tracing (Meng et al. 2022): the subject's token embeddings get Gaussian noise, then each "
                + "(token, layer) state (state), or the MLP (mlp) or attention (attn) outputs of a --window of layers at one token, is restored "
                + "to its clean value; the map is p(clean answer). Attention knockout (Geva et al. 2023): the last position's attention to the "
                + "subject's tokens is blocked in the --knockout-window layers around each layer, and from each layer on; the map is the "
                + "relative change of p(answer).",
        };
        foreach (var option in new Option[] { _model, _relation, _prompt, _subject, _object, _force, _kind, _samples, _noiseFactor, _noise, _seed, _window,
                     _knockoutWindow, _shots, _splitSeed, _zeroShot, _maxFacts, _relations, _allTokens, _batch, _out, _noColor })
            command.Add(option);
        _load.AddTo(command);
        command.SetAction(Execute);
        return command;
    }

    private int Execute(ParseResult a)
    {
        bool single = a.Given(_prompt);
        if (single == a.Given(_relation)) throw new RelensException("give either --relation NAME... or --prompt TEXT --subject S");
        if (single && !a.Given(_subject)) throw new RelensException("--prompt needs --subject S (the subject whose tokens are corrupted)");
        if (!single && (a.Given(_subject) || a.Given(_object) || a.Given(_force))) throw new RelensException("--subject, --object and --force go with --prompt");
        var kinds = TraceKinds.ParseList(a.GetValue(_kind));
        var options = new TraceOptions
        {
            Samples = a.GetValue(_samples),
            NoiseFactor = a.GetValue(_noiseFactor),
            Noise = a.GetValue(_noise),
            Seed = a.GetValue(_seed),
            Window = a.GetValue(_window),
            KnockoutWindow = a.GetValue(_knockoutWindow),
            AllTokens = a.GetValue(_allTokens),
            MaxCellsPerForward = a.GetValue(_batch),
        };
        int shots = a.GetValue(_shots), maxFacts = a.GetValue(_maxFacts);
        if (shots < 1) throw new RelensException($"--shots must be at least 1, got {shots}");
        if (maxFacts < 1) throw new RelensException($"--max-facts must be at least 1, got {maxFacts}");
        options.Validate(int.MaxValue);   // model-independent checks first; the layer count is checked once loaded
        var terminal = Terminal.Create(a.GetValue(_noColor), Output);

        // every check that needs no model first
        IReadOnlyList<Relation> relations = [];
        if (!single)
        {
            var dataset = RelationDataset.Load(RelationDataRoot.Resolve(a.GetValue(_relations)));
            relations = RunPreflight.Select(dataset, (a.GetValue(_relation) ?? []).SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList());
        }
        string outDir = Path.GetFullPath(a.GetValue(_out)!);
        OutputFolderCheck.Check(outDir, resume: true);

        string modelDir = a.GetValue(_model) ?? DefaultModel.Resolve(terminal.Line, a.GetValue(_relations));
        terminal.Muted($"loading model {modelDir}");
        using var lm = _load.Load(loadModel, modelDir, a);
        // the papers' default windows (10, 9) are for models of 28–48 layers: unless given, clamp them to a smaller model
        int layers = lm.Model.NumLayers;
        options = options.ClampWindows(layers, a.Given(_window), a.Given(_knockoutWindow));
        if (layers < 20 && !(a.Given(_window) && a.Given(_knockoutWindow)))
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
            var facts = TraceFacts.Select(lm, relation, shots, a.GetValue(_splitSeed), a.GetValue(_zeroShot), maxFacts);
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

    private int TracePrompt(ParseResult a, LanguageModel lm, CausalTracer tracer, IReadOnlyList<TraceKind> kinds,
        System.Text.Json.Nodes.JsonObject settings, string outDir, Terminal terminal)
    {
        string text = a.Required(_prompt).Replace("\\n", "\n");
        var prompt = Relens.Tracing.TracePrompt.Create(lm, text, a.Required(_subject), a.GetValue(_object));
        var answer = tracer.Clean(prompt);
        bool known = prompt.Object is { } obj && KnownFacts.IsKnown(lm, answer.AnswerId, obj);
        if (!known && !a.GetValue(_force))
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
