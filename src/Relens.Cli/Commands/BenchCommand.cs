using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Relens.Benchmarks;
using Relens.Models;
using Relens.Quantization;
using Relens.Relations;
using Relens.Runtime;
using Relens.Tokenization;
using TorchSharp;

namespace Relens.Cli.Commands;

/// <summary>`relens bench`: the LRE benchmarks of BENCHMARKS.md on a GPT-2-small-shaped random model and on the default
/// world model (or the folder --world-model names).</summary>
public sealed class BenchCommand : ICommand
{
    public string Name => "bench";
    public string Summary => "LRE benchmarks: Jacobian FLOP/s vs the matmul rate, layer sweep, batched faithfulness, peak memory";

    public int Run(IReadOnlyList<string> args)
    {
        var a = CliArgs.Parse(args, ["arch", "world-model", "relations", "tokenizer-from", "memory-budget-mb", "layers", "dim", "heads", "seed",
            "threads", "omp-wait", "yardstick-seconds", "json", "trace", "trace-facts", "trace-samples", "shots", .. QuantOptions.Values],
            ["reference", "skip-gpt2", "skip-world", .. QuantOptions.Flags]);
        var quant = QuantOptions.From(a);
        // before the first torch call: libgomp reads its wait policy when libtorch loads
        string ompWait = a.Get("omp-wait") ?? "passive";
        if (ompWait is not ("passive" or "active")) throw new RelensException($"--omp-wait must be passive or active, got '{ompWait}'");
        string policy = OpenMpEnvironment.PreferWaitPolicy(ompWait.ToUpperInvariant());
        int threads = Math.Min(a.GetInt("threads", 2), Environment.ProcessorCount);
        torch.set_num_threads(threads);

        string arch = a.Get("arch") ?? "gpt2";
        if (!Shapes.ContainsKey(arch))
            throw new RelensException($"--arch must be one of {string.Join(", ", Shapes.Keys)}, got '{arch}'");
        var relations = RelationDataset.Load(RelationDataRoot.Resolve(a.Get("relations")));
        if (a.Get("trace") is { } traced) return BenchTrace(a, relations, traced, threads, policy);
        var settings = new BenchSettings
        {
            MemoryBudgetBytes = (long)(a.GetDouble("memory-budget-mb", 1024) * 1024 * 1024),
            Reference = a.Flag("reference"),
            YardstickSeconds = a.GetDouble("yardstick-seconds", 1.0),
        };
        var relation = relations.Find(settings.RelationName);
        Console.WriteLine($"relens bench: {threads} threads (of {Environment.ProcessorCount} cores), OMP_WAIT_POLICY {policy}, " +
            $"Jacobian memory budget {settings.MemoryBudgetBytes / 1048576} MiB, load average {LoadAverage()}");
        var clock = Stopwatch.StartNew();
        var reports = new List<BenchReport>();
        var speedReports = new List<QuantSpeedReport>();

        if (!a.Flag("skip-gpt2"))
        {
            var preset = Shapes[arch];
            string tokenizerDir = a.Get("tokenizer-from") ?? Path.Combine(Path.GetDirectoryName(relations.Root)!, "golden", preset.Tokenizer);
            var tokenizer = TokenizerLoader.FromDirectory(Path.GetFullPath(tokenizerDir));
            var shape = new ModelShape(a.GetInt("layers", 12), a.GetInt("dim", preset.Dim), a.GetInt("heads", preset.Heads), tokenizer.VocabSize);
            var config = preset.Edit is null ? ModelTemplates.Config(preset.ModelType, shape) : Edited(ModelTemplates.Config(preset.ModelType, shape), preset.Edit);
            long seed = a.GetInt("seed", 0);
            string title = $"{preset.Title} shape ({shape.Layers}×{shape.Dim}, {shape.Heads} heads, random weights)";
            LanguageModel Create(QuantizeOptions? q)
            {
                var lm = new LanguageModel(ModelTemplates.CreateRandom(config, seed), tokenizer, config, $"in memory: ModelInit seed {seed}, tokenizer {tokenizerDir}");
                if (q is not null) lm.Quantize(q);
                return lm;
            }
            if (quant.CompareSchemes) speedReports.Add(quant.Speed(title, Create, relation, settings));
            else
            {
                using var lm = Create(quant.Scheme);
                reports.Add(Bench(title, lm, relation, settings));
            }
        }
        // the default world model (what `relens run` uses) when it is cached, unless another folder is named
        string? worldDir = a.Get("world-model")
            ?? (!a.Flag("skip-world") && Relens.Runs.DefaultModel.IsTrained(Relens.Runs.DefaultModel.Folder) ? Relens.Runs.DefaultModel.Folder : null);
        if (worldDir is null && !a.Flag("skip-world"))
            Console.WriteLine($"(the default world model is not trained yet: `relens run` trains it into {Relens.Runs.DefaultModel.Folder}; --world-model DIR benches another folder)");
        if (worldDir is not null)
        {
            if (quant.CompareSchemes) speedReports.Add(quant.Speed($"model folder {worldDir}", q => ModelLoadArgs.Load(null, worldDir, q), relation, settings));
            else
            {
                using var lm = ModelLoadArgs.Load(null, worldDir, quant.Scheme);
                reports.Add(Bench($"model folder {worldDir}", lm, relation, settings));
            }
        }
        if (reports.Count + speedReports.Count == 0) throw new RelensException("nothing to benchmark: --skip-gpt2 without --world-model");
        Console.WriteLine($"total {clock.Elapsed.TotalSeconds:F0} s, load average {LoadAverage()}");
        if (a.Get("json") is { } json)
            File.WriteAllText(json, quant.CompareSchemes
                ? JsonSerializer.Serialize(speedReports, new JsonSerializerOptions { WriteIndented = true })
                : JsonSerializer.Serialize(reports, new JsonSerializerOptions { WriteIndented = true }));
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

    // ---- --quantize (issue #15): every option of bench that concerns quantisation, in one place ----
    /// <summary>`--quantize S [--quantize-embeddings]` benches the quantised model(s); `--compare-quantization [--rounds N]
    /// [--forward-repeats N]` instead times forward and LRE at float32, q8_0, q4_0 and nf4 in the same run
    /// (<see cref="QuantSpeedBenchmark"/>).</summary>
    private sealed record QuantOptions(QuantizeOptions? Scheme, bool CompareSchemes, int Rounds, int ForwardRepeats)
    {
        public static readonly string[] Values = [.. ModelLoadArgs.ValueOptions, "rounds", "forward-repeats"];
        public static readonly string[] Flags = [.. ModelLoadArgs.FlagOptions, "compare-quantization"];

        public static QuantOptions From(CliArgs a)
        {
            var scheme = ModelLoadArgs.Quantization(a);
            bool compare = a.Flag("compare-quantization");
            if (compare && scheme is not null) throw new RelensException("--compare-quantization times every scheme against float32; leave out --quantize");
            if (!compare && (a.Has("rounds") || a.Has("forward-repeats"))) throw new RelensException("--rounds and --forward-repeats belong to --compare-quantization");
            int rounds = a.GetInt("rounds", 3), repeats = a.GetInt("forward-repeats", 5);
            if (rounds < 1 || repeats < 1) throw new RelensException("--rounds and --forward-repeats must be at least 1");
            return new QuantOptions(scheme, compare, rounds, repeats);
        }

        /// <summary>All variants stay loaded together, so each round times them back to back.</summary>
        public QuantSpeedReport Speed(string title, Func<QuantizeOptions?, LanguageModel> create, Relation relation, BenchSettings settings)
        {
            Console.WriteLine($"\n== {title}: float32 against {string.Join(", ", QuantSchemes.All.Select(x => x.Name()))}, load average {LoadAverage()}");
            var variants = new List<(string, LanguageModel)>();
            try
            {
                variants.Add(("float32", create(null)));
                foreach (var scheme in QuantSchemes.All) variants.Add((scheme.Name(), create(new QuantizeOptions(scheme))));
                var report = QuantSpeedBenchmark.Run(variants, relation, settings, Rounds, ForwardRepeats, Console.WriteLine);
                Console.WriteLine();
                Console.Write(QuantSpeedReportText.Format(report));
                Console.WriteLine($"(load average {LoadAverage()})");
                return report;
            }
            finally { foreach (var (_, lm) in variants) lm.Dispose(); }
        }
    }
    // ---- end --quantize ----
    /// <summary>`relens bench --trace RELATION`: one relation's averaged state trace on --world-model (default: the default
    /// model), batched against one restoration per forward pass, in the same process.</summary>
    private static int BenchTrace(CliArgs a, RelationDataset relations, string name, int threads, string policy)
    {
        int facts = a.GetInt("trace-facts", 50), samples = a.GetInt("trace-samples", 10), shots = a.GetInt("shots", 8);
        if (facts < 1 || samples < 1 || shots < 1) throw new RelensException("--trace-facts, --trace-samples and --shots must be at least 1");
        string dir = a.Get("world-model") ?? Relens.Runs.DefaultModel.Folder;
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
        if (a.Get("json") is { } json) File.WriteAllText(json, JsonSerializer.Serialize(r, new JsonSerializerOptions { WriteIndented = true }));
        return 0;
    }

    /// <summary>The 1-minute load average: how busy the machine was (other jobs share its cores).</summary>
    private static string LoadAverage()
    {
        try { return File.ReadAllText("/proc/loadavg").Split(' ')[0]; }
        catch (IOException) { return "n/a"; }
    }
}
