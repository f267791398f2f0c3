using System.Diagnostics;
using System.Text.Json;
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
        var a = CliArgs.Parse(args, ["world-model", "relations", "tokenizer-from", "memory-budget-mb", "layers", "dim", "heads", "seed",
            "threads", "omp-wait", "yardstick-seconds", "json", "trace", "trace-facts", "trace-samples", "shots"], ["reference", "skip-gpt2", "skip-world"]);
        // before the first torch call: libgomp reads its wait policy when libtorch loads
        string ompWait = a.Get("omp-wait") ?? "passive";
        if (ompWait is not ("passive" or "active")) throw new RelensException($"--omp-wait must be passive or active, got '{ompWait}'");
        string policy = OpenMpEnvironment.PreferWaitPolicy(ompWait.ToUpperInvariant());
        int threads = Math.Min(a.GetInt("threads", 2), Environment.ProcessorCount);
        torch.set_num_threads(threads);

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

        if (!a.Flag("skip-gpt2"))
        {
            string tokenizerDir = a.Get("tokenizer-from") ?? Path.Combine(Path.GetDirectoryName(relations.Root)!, "golden", "gpt2-tiny");
            var tokenizer = TokenizerLoader.FromDirectory(Path.GetFullPath(tokenizerDir));
            var shape = new ModelShape(a.GetInt("layers", 12), a.GetInt("dim", 768), a.GetInt("heads", 12), tokenizer.VocabSize);
            var config = ModelTemplates.Config("gpt2", shape);
            long seed = a.GetInt("seed", 0);
            using var lm = new LanguageModel(ModelTemplates.CreateRandom(config, seed), tokenizer, config, $"in memory: ModelInit seed {seed}, tokenizer {tokenizerDir}");
            reports.Add(Bench($"GPT-2-small shape ({shape.Layers}×{shape.Dim}, random weights)", lm, relation, settings));
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
