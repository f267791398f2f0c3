using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Relens.Benchmarks;
using Relens.Models;
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
            "threads", "omp-wait", "yardstick-seconds", "json"], ["reference", "skip-gpt2", "skip-world"]);
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

        if (!a.Flag("skip-gpt2"))
        {
            var preset = Shapes[arch];
            string tokenizerDir = a.Get("tokenizer-from") ?? Path.Combine(Path.GetDirectoryName(relations.Root)!, "golden", preset.Tokenizer);
            var tokenizer = TokenizerLoader.FromDirectory(Path.GetFullPath(tokenizerDir));
            var shape = new ModelShape(a.GetInt("layers", 12), a.GetInt("dim", preset.Dim), a.GetInt("heads", preset.Heads), tokenizer.VocabSize);
            var config = preset.Edit is null ? ModelTemplates.Config(preset.ModelType, shape) : Edited(ModelTemplates.Config(preset.ModelType, shape), preset.Edit);
            long seed = a.GetInt("seed", 0);
            using var lm = new LanguageModel(ModelTemplates.CreateRandom(config, seed), tokenizer, config, $"in memory: ModelInit seed {seed}, tokenizer {tokenizerDir}");
            reports.Add(Bench($"{preset.Title} shape ({shape.Layers}×{shape.Dim}, {shape.Heads} heads, random weights)", lm, relation, settings));
        }
        // the default world model (what `relens run` uses) when it is cached, unless another folder is named
        string? worldDir = a.Get("world-model")
            ?? (!a.Flag("skip-world") && Relens.Runs.DefaultModel.IsTrained(Relens.Runs.DefaultModel.Folder) ? Relens.Runs.DefaultModel.Folder : null);
        if (worldDir is null && !a.Flag("skip-world"))
            Console.WriteLine($"(the default world model is not trained yet: `relens run` trains it into {Relens.Runs.DefaultModel.Folder}; --world-model DIR benches another folder)");
        if (worldDir is not null)
        {
            using var lm = LanguageModel.Load(worldDir);
            reports.Add(Bench($"model folder {worldDir}", lm, relation, settings));
        }
        if (reports.Count == 0) throw new RelensException("nothing to benchmark: --skip-gpt2 without --world-model");
        Console.WriteLine($"total {clock.Elapsed.TotalSeconds:F0} s, load average {LoadAverage()}");
        if (a.Get("json") is { } json)
            File.WriteAllText(json, JsonSerializer.Serialize(reports, new JsonSerializerOptions { WriteIndented = true }));
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

    /// <summary>The 1-minute load average: how busy the machine was (other jobs share its cores).</summary>
    private static string LoadAverage()
    {
        try { return File.ReadAllText("/proc/loadavg").Split(' ')[0]; }
        catch (IOException) { return "n/a"; }
    }
}
