using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Relens.Benchmarks;
using Relens.Cli.CommandLine;
using Relens.Lre;
using Relens.Models;
using Relens.Quantization;
using Relens.Relations;
using Relens.Runtime;
using Relens.Tokenization;
using TorchSharp;

namespace Relens.Cli.Commands;

/// <summary>`relens bench`: the LRE benchmarks of BENCHMARKS.md on a GPT-2-small-shaped random model and on the default
/// world model (or the folder --world-model names).</summary>
public sealed class BenchCommand : CommandBase
{
    public override string Name => "bench";
    public override string Summary => "LRE benchmarks: Jacobian FLOP/s vs the matmul rate, layer sweep, batched faithfulness, peak memory";

    private static readonly BenchSettings Defaults = new();
    private readonly Option<string> _arch = Opt.Text("--arch", "ARCH", "the random model's shape: gpt2 (GPT-2-small), gptj, neox, llama", "gpt2").Suggest([.. Shapes.Keys]);
    private readonly Option<string?> _worldModel = Opt.Text("--world-model", "DIR", "bench this model folder (default: the default world model when it is cached)");
    private readonly Option<string?> _relations = Opt.RelationsFolder();
    private readonly Option<string?> _tokenizerFrom = Opt.Text("--tokenizer-from", "DIR", "the random model's tokenizer (default: the golden folder of its architecture)");
    private readonly Option<double> _memoryBudget = Opt.Number("--memory-budget-mb", "MB", "the Jacobian's memory budget", Defaults.MemoryBudgetBytes / 1048576.0);
    private readonly Option<int> _layers = Opt.Int("--layers", "L", "the random model's blocks", 12);
    private readonly Option<int?> _dim = Opt.OptionalInt("--dim", "D", "the random model's hidden size (default: the --arch preset's)");
    private readonly Option<int?> _heads = Opt.OptionalInt("--heads", "H", "the random model's heads (default: the --arch preset's)");
    private readonly Option<int> _seed = Opt.Int("--seed", "S", "seed of the random weights", 0);
    private readonly Option<int> _threads = Opt.Int("--threads", "N", "libtorch's threads (at most the core count)", 2);
    private readonly Option<string> _ompWait = Opt.Text("--omp-wait", "passive|active", "OMP_WAIT_POLICY (a value set in the environment wins)", "passive").Suggest("passive", "active");
    private readonly Option<double> _yardstick = Opt.Number("--yardstick-seconds", "S", "seconds of matmul timing before and after each phase", Defaults.YardstickSeconds);
    private readonly Option<string?> _json = Opt.Text("--json", "FILE", "also write the reports as JSON");
    private readonly Option<bool> _reference = Opt.Flag("--reference", "also time the replicated (autograd) Jacobian of one prompt, for the speed-up");
    private readonly Option<bool> _skipGpt2 = Opt.Flag("--skip-gpt2", "leave out the random model");
    private readonly Option<bool> _skipWorld = Opt.Flag("--skip-world", "leave out the default world model");
    private readonly Option<string?> _trace = Opt.Text("--trace", "RELATION", "instead: one relation's averaged state trace, batched against one restoration per pass");
    private readonly Option<int> _traceFacts = Opt.Int("--trace-facts", "N", "facts of --trace", 50);
    private readonly Option<int> _traceSamples = Opt.Int("--trace-samples", "N", "noise samples of --trace", new Tracing.TraceOptions().Samples);
    private readonly Option<int> _shots = Opt.Int("--shots", "N", "shots of --trace's and --sweep's prompts", new Runs.RunOptions().Shots);
    private readonly Option<string?> _sweep = Opt.Text("--sweep", "RELATION", "instead: one relation's full sweep (all layers, --trials) and where its time goes, "
        + "beside the paper's loop structure counted; on the random model (or --world-model DIR --skip-gpt2)");
    private readonly Option<int> _trials = Opt.Int("--trials", "N", "trials of --sweep", new Sweeps.SweepSettings().Trials);
    private readonly BenchQuantOptions _quant = new();

    protected override Command Create()
    {
        var command = new CliCommand(Name, Summary)
        {
            Details = "The LRE benchmarks of BENCHMARKS.md: Jacobian FLOP/s against this machine's matmul rate, the layer sweep, batched "
                + "faithfulness and peak memory, on a GPT-2-small-shaped random model and on the world model.",
        };
        foreach (var option in new Option[] { _arch, _worldModel, _relations, _tokenizerFrom, _memoryBudget, _layers, _dim, _heads, _seed, _threads,
                     _ompWait, _yardstick, _json, _reference, _skipGpt2, _skipWorld, _trace, _traceFacts, _traceSamples, _shots, _sweep, _trials })
            command.Add(option);
        _quant.AddTo(command);
        command.SetAction(Execute);
        return command;
    }

    private int Execute(ParseResult a)
    {
        var quant = _quant.From(a);
        // before the first torch call: libgomp reads its wait policy when libtorch loads
        string ompWait = a.GetValue(_ompWait)!;
        if (ompWait is not ("passive" or "active")) throw new RelensException($"--omp-wait must be passive or active, got '{ompWait}'");
        string policy = OpenMpEnvironment.PreferWaitPolicy(ompWait.ToUpperInvariant());
        int threads = Math.Min(a.GetValue(_threads), Environment.ProcessorCount);
        if (threads < 1) throw new RelensException($"--threads must be at least 1, got {a.GetValue(_threads)}");
        torch.set_num_threads(threads);

        string arch = a.GetValue(_arch)!;
        if (!Shapes.ContainsKey(arch))
            throw new RelensException($"--arch must be one of {string.Join(", ", Shapes.Keys)}, got '{arch}'");
        var relations = RelationDataset.Load(RelationDataRoot.Resolve(a.GetValue(_relations)));
        if (a.GetValue(_trace) is { } traced) return BenchTrace(a, relations, traced, threads, policy);
        if (a.GetValue(_sweep) is { } swept) return BenchSweep(a, relations, swept, arch, quant, threads, policy);
        var settings = new BenchSettings
        {
            MemoryBudgetBytes = (long)(a.GetValue(_memoryBudget) * 1024 * 1024),
            Reference = a.GetValue(_reference),
            YardstickSeconds = a.GetValue(_yardstick),
        };
        var relation = relations.Find(settings.RelationName);
        Console.WriteLine($"relens bench: {threads} threads (of {Environment.ProcessorCount} cores), OMP_WAIT_POLICY {policy}, " +
            $"Jacobian memory budget {settings.MemoryBudgetBytes / 1048576} MiB, load average {LoadAverage()}");
        var clock = Stopwatch.StartNew();
        var reports = new List<BenchReport>();
        var speedReports = new List<QuantSpeedReport>();

        if (!a.GetValue(_skipGpt2))
        {
            var (title, Create) = RandomModel(a, relations, arch);
            if (quant.CompareSchemes) speedReports.Add(quant.Speed(title, Create, relation, settings));
            else
            {
                using var lm = Create(quant.Scheme);
                reports.Add(Bench(title, lm, relation, settings));
            }
        }
        // the default world model (what `relens run` uses) when it is cached, unless another folder is named
        string? worldDir = a.GetValue(_worldModel)
            ?? (!a.GetValue(_skipWorld) && Relens.Runs.DefaultModel.IsTrained(Relens.Runs.DefaultModel.Folder) ? Relens.Runs.DefaultModel.Folder : null);
        if (worldDir is null && !a.GetValue(_skipWorld))
            Console.WriteLine($"(the default world model is not trained yet: `relens run` trains it into {Relens.Runs.DefaultModel.Folder}; --world-model DIR benches another folder)");
        if (worldDir is not null)
        {
            if (quant.CompareSchemes) speedReports.Add(quant.Speed($"model folder {worldDir}", q => ModelLoadOptions.Load(null, worldDir, q), relation, settings));
            else
            {
                using var lm = ModelLoadOptions.Load(null, worldDir, quant.Scheme);
                reports.Add(Bench($"model folder {worldDir}", lm, relation, settings));
            }
        }
        if (reports.Count + speedReports.Count == 0) throw new RelensException("nothing to benchmark: --skip-gpt2 without --world-model");
        Console.WriteLine($"total {clock.Elapsed.TotalSeconds:F0} s, load average {LoadAverage()}");
        if (a.GetValue(_json) is { } json)
            File.WriteAllText(json, quant.CompareSchemes
                ? JsonSerializer.Serialize(speedReports, new JsonSerializerOptions { WriteIndented = true })
                : JsonSerializer.Serialize(reports, new JsonSerializerOptions { WriteIndented = true }));
        return 0;
    }

    /// <summary>The random --arch model's title and a factory (quantized when given a scheme).</summary>
    private (string Title, Func<QuantizeOptions?, LanguageModel> Create) RandomModel(ParseResult a, RelationDataset relations, string arch)
    {
        var preset = Shapes[arch];
        string tokenizerDir = a.GetValue(_tokenizerFrom) ?? Path.Combine(Path.GetDirectoryName(relations.Root)!, "golden", preset.Tokenizer);
        var tokenizer = TokenizerLoader.FromDirectory(Path.GetFullPath(tokenizerDir));
        var shape = new ModelShape(a.GetValue(_layers), a.GetValue(_dim) ?? preset.Dim, a.GetValue(_heads) ?? preset.Heads, tokenizer.VocabSize);
        var config = preset.Edit is null ? ModelTemplates.Config(preset.ModelType, shape) : Edited(ModelTemplates.Config(preset.ModelType, shape), preset.Edit);
        long seed = a.GetValue(_seed);
        string title = $"{preset.Title} shape ({shape.Layers}×{shape.Dim}, {shape.Heads} heads, random weights)";
        return (title, q =>
        {
            var lm = new LanguageModel(ModelTemplates.CreateRandom(config, seed), tokenizer, config, $"in memory: ModelInit seed {seed}, tokenizer {tokenizerDir}");
            if (q is not null) lm.Quantize(q);
            return lm;
        });
    }

    /// <summary>`relens bench --sweep RELATION`: the relation's full sweep as `relens run --only RELATION` runs it (all layers,
    /// --trials, default β and rank grids, baselines) and where its time goes, beside the paper's loop structure counted
    /// (Benchmarks/SweepBenchmark). On the random model every test fact counts as known, as it knows none.</summary>
    private int BenchSweep(ParseResult a, RelationDataset relations, string name, string arch, BenchQuantOptions quant, int threads, string policy)
    {
        int trials = a.GetValue(_trials), shots = a.GetValue(_shots);
        if (trials < 1 || shots < 1) throw new RelensException("--trials and --shots must be at least 1");
        if (quant.CompareSchemes) throw new RelensException("--sweep times one set of weights: give --quantize SCHEME, not a comparison");
        var relation = relations.Find(name);
        bool random = !a.GetValue(_skipGpt2);
        string? folder = a.GetValue(_worldModel);
        if (!random && folder is null) throw new RelensException("--sweep with --skip-gpt2 needs --world-model DIR");
        var (title, create) = random ? RandomModel(a, relations, arch) : ($"model folder {folder}", q => ModelLoadOptions.Load(null, folder!, q));
        using var lm = create(quant.Scheme);
        if (!random && Relens.World.WorldFactsFile.TryRead(lm.Directory) is { } taught) relation = Relens.Runs.RunPreflight.TaughtFactsOnly(relation, taught);
        // as `relens run` does: a sample whose subject cannot be located in its prompt is left out
        relation = relation with { Samples = relation.Samples.Where(s => Relens.Runs.RunPreflight.UnusableReason(lm, relation, s) is null).ToList() };
        var settings = new Sweeps.SweepSettings
        {
            Shots = shots, Trials = trials, Beta = new Runs.RunOptions().Beta, CountEveryTestFactAsKnown = random,
            Jacobian = JacobianOptions.Default with { MemoryBudgetBytes = (long)(a.GetValue(_memoryBudget) * 1024 * 1024) },
        };
        Console.WriteLine($"relens bench --sweep: {title}; {threads} threads (of {Environment.ProcessorCount} cores), OMP_WAIT_POLICY {policy}, " +
            $"load average {LoadAverage()}");
        Console.WriteLine(random
            ? "(random weights know no fact: every test fact is counted as known, for timing only)"
            : "(a model folder: the known-fact filter is on, as in `relens run`)");
        var report = SweepBenchmark.Run(lm, relation, settings, Console.WriteLine);
        Console.WriteLine();
        Console.Write(SweepBenchReportText.Format(report));
        Console.WriteLine($"load average {LoadAverage()}");
        if (a.GetValue(_json) is { } json) File.WriteAllText(json, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
        return 0;
    }

    /// <summary>A random model per --arch: the issue's shapes (GPT-J's rotary_dim 64 of 64-wide heads, LLaMA's GQA 16/4 and
    /// SwiGLU 2816 at d = 1024), on the tokenizer of the matching golden folder.</summary>
    private sealed record Preset(string ModelType, string Title, int Dim, int Heads, string Tokenizer, Action<JsonObject>? Edit = null);

    private static readonly Dictionary<string, Preset> Shapes = new(StringComparer.Ordinal)
    {
        ["gpt2"] = new("gpt2", "GPT-2-small", 768, 12, "gpt2-tiny"),
        ["gptj"] = new("gptj", "GPT-J", 1024, 16, "gpt2-tiny", c => c["rotary_dim"] = c["n_embd"]!.GetValue<int>() / c["n_head"]!.GetValue<int>()),
        ["neox"] = new("gpt_neox", "GPT-NeoX", 1024, 16, "gpt2-tiny"),
        ["llama"] = new("llama", "LLaMA", 1024, 16, "llama-tiny", c => c["num_key_value_heads"] = c["num_attention_heads"]!.GetValue<int>() / 4),
    };

    // through text, as a config.json is read
    private static ModelConfig Edited(ModelConfig config, Action<JsonObject> edit)
    {
        var json = JsonNode.Parse(config.Json.ToJsonString())!.AsObject();
        edit(json);
        return ModelConfig.FromJson(JsonNode.Parse(json.ToJsonString())!.AsObject());
    }

    private static BenchReport Bench(string title, LanguageModel lm, Relation relation, BenchSettings settings)
    {
        Console.WriteLine($"\n== {title}");
        var report = LreBenchmark.Run(lm, relation, settings, Console.WriteLine);
        Console.WriteLine();
        Console.Write(BenchReportText.Format(report));
        return report;
    }

    /// <summary>`relens bench --trace RELATION`: one relation's averaged state trace on --world-model (default: the default
    /// model), batched against one restoration per forward pass, in the same process.</summary>
    private int BenchTrace(ParseResult a, RelationDataset relations, string name, int threads, string policy)
    {
        int facts = a.GetValue(_traceFacts), samples = a.GetValue(_traceSamples), shots = a.GetValue(_shots);
        if (facts < 1 || samples < 1 || shots < 1) throw new RelensException("--trace-facts, --trace-samples and --shots must be at least 1");
        string dir = a.GetValue(_worldModel) ?? Relens.Runs.DefaultModel.Folder;
        using var lm = LanguageModel.Load(dir);
        var taught = Relens.World.WorldFactsFile.TryRead(lm.Directory);
        var relation = relations.Find(name);
        if (taught is not null) relation = Relens.Runs.RunPreflight.TaughtFactsOnly(relation, taught);
        Console.WriteLine($"relens bench --trace: {lm.Directory} ({lm.Model.NumLayers} layers, d = {lm.Model.HiddenSize}); {threads} threads, " +
            $"OMP_WAIT_POLICY {policy}; load average {LoadAverage()}");
        var r = TraceBenchmark.Run(lm, relation, facts, samples, shots, Console.WriteLine);
        Console.WriteLine($"state trace, {r.Facts} facts, {r.Layers} layers × tokens from the subject on ({r.Cells} restorations), {r.Samples} noise samples:");
        Console.WriteLine($"  batched {string.Join(" / ", r.BatchedSeconds.Select(s => s.ToString("F2")))} s ({r.BatchedPasses} passes); " +
            $"one at a time {r.OneAtATimeSeconds:F2} s ({r.OneAtATimePasses} passes); ratio {r.Ratio:F1}× wall, {r.CpuRatio:F1}× process CPU " +
            $"({string.Join(" / ", r.BatchedCpuSeconds.Select(s => s.ToString("F2")))} vs {r.OneAtATimeCpuSeconds:F2} CPU-s); max |Δp| between layouts {r.MaxDifference:G3}");
        Console.WriteLine($"load average {LoadAverage()}");
        if (a.GetValue(_json) is { } json) File.WriteAllText(json, JsonSerializer.Serialize(r, new JsonSerializerOptions { WriteIndented = true }));
        return 0;
    }

    /// <summary>The 1-minute load average: how busy the machine was (other jobs share its cores).</summary>
    internal static string LoadAverage()
    {
        try { return File.ReadAllText("/proc/loadavg").Split(' ')[0]; }
        catch (IOException) { return "n/a"; }
    }
}
