using Relens.Evaluation;
using Relens.Lre;
using Relens.Models;
using Relens.Models.Gpt2;
using Relens.Relations;
using TorchSharp;

namespace Relens.Benchmarks;

/// <summary>What `relens bench` measures on each model.</summary>
public sealed record BenchSettings
{
    public string RelationName { get; init; } = "country capital city";
    /// <summary>The n training samples, in order (the FLOP figure in BENCHMARKS.md is for these).</summary>
    public IReadOnlyList<string> TrainSubjects { get; init; } = ["China", "United States", "India", "Colombia", "Peru", "Germany", "Turkey", "Saudi Arabia"];
    /// <summary>The LRE's layer; null = the middle one, L/2 − 1 (5 of 12).</summary>
    public int? Layer { get; init; }
    public double Beta { get; init; } = 2.25;
    public long MemoryBudgetBytes { get; init; } = 1L << 30;
    public int FaithfulnessBatchSize { get; init; } = 16;
    /// <summary>Also time the replicated (autograd) Jacobian of one prompt, for the speed-up.</summary>
    public bool Reference { get; init; }
    /// <summary>Seconds of matmul timing before and after each phase.</summary>
    public double YardstickSeconds { get; init; } = 1.0;
}

/// <summary>One timed phase with the matmul rate measured right before and after it (mean of the two).</summary>
public sealed record Phase(string Name, Timing Time, double MatmulWall, double MatmulCpu, double UsefulFlops = 0, double ExecutedFlops = 0)
{
    /// <summary>Useful FLOP/s over the phase as a share of the matmul rate, by wall clock and by process CPU time.</summary>
    public double WallRatio => UsefulFlops / Time.WallSeconds / 1e9 / MatmulWall;
    public double CpuRatio => UsefulFlops / Time.CpuSeconds / 1e9 / MatmulCpu;
    public double ExecutedWallRatio => ExecutedFlops / Time.WallSeconds / 1e9 / MatmulWall;
}

/// <param name="LreJacobianWallSeconds">The estimator's Jacobian phase (all n prompts: batched forward pass and VJPs).</param>
public sealed record BenchReport(string Model, string Setup, long StartRssBytes, IReadOnlyList<Phase> Phases,
    double LreJacobianWallSeconds, double LreJacobianCpuSeconds)
{
    public Phase this[string name] => Phases.First(p => p.Name == name);
}

/// <summary>
/// The LRE benchmarks of BENCHMARKS.md on one model: an n-shot LRE at a middle layer (its Jacobian phase
/// against the matmul rate), a full layer sweep's Jacobians against one layer, faithfulness batched against
/// one prompt at a time, peak memory of each, and optionally the replicated reference.
/// </summary>
public static class LreBenchmark
{
    public const string Lre = "lre", SweepOne = "sweep-one-layer", SweepAll = "sweep-all-layers",
        FaithBatched = "faithfulness-batched", FaithSingle = "faithfulness-single", Reference = "reference-replicated";

    public static BenchReport Run(LanguageModel lm, Relation relation, BenchSettings s, Action<string>? log = null)
    {
        log ??= _ => { };
        var model = lm.Model;
        var layer = LayerRef.At(s.Layer ?? model.NumLayers / 2 - 1);
        layer.Validate(model);
        var split = relation.WithTrainSubjects(s.TrainSubjects);
        var train = split.Train.Samples;
        string template = relation.PromptTemplates[0];
        var options = new JacobianOptions { MemoryBudgetBytes = s.MemoryBudgetBytes };
        var prompts = train.Select(x => SubjectPrompt.Create(lm, IclPrompt.Build(template, x.Subject, train, lm.PromptPrefix), x.Subject)).ToList();
        long d = model.HiddenSize, inner = model is Gpt2Model g ? g.Config.InnerSize : 4L * d;
        int blocks = model.NumLayers - layer.NextBlock;
        double Useful(SubjectPrompt p, int b) => JacobianFlops.Useful(d, inner, b, p.Tokens.Count - p.SubjectIndex, p.Tokens.Count);
        double Executed(SubjectPrompt p, int b) => JacobianFlops.Executed(d, inner, b, p.Tokens.Count - p.SubjectIndex, p.Tokens.Count);

        Warm(lm, prompts[0]);
        long startRss = PeakMemory.RssBytes();
        var phases = new List<Phase>();
        Phase Measure(string name, Action work, double useful = 0, double executed = 0)
        {
            var before = MatmulYardstick.Measure(s.YardstickSeconds);
            GC.Collect();
            var time = Timing.Of(work);
            var after = MatmulYardstick.Measure(s.YardstickSeconds);
            var phase = new Phase(name, time, (before.Wall + after.Wall) / 2, (before.Cpu + after.Cpu) / 2, useful, executed);
            phases.Add(phase);
            log($"  {name}: {time.WallSeconds:F2} s wall, {time.CpuSeconds:F2} s cpu");
            return phase;
        }

        // 1. the LRE (all n prompts' Jacobians plus the means); its Jacobian phase is timed inside the estimator
        LinearRelation? lre = null;
        Measure(Lre, () => lre = LreEstimator.EstimateLayers(lm, relation.Name, template, train, [layer], s.Beta, options)[0],
            prompts.Sum(p => Useful(p, blocks)), prompts.Sum(p => Executed(p, blocks)));
        using var estimated = lre!;
        double jacobianWall = estimated.Info.TimingSeconds["jacobian_pass"], jacobianCpu = estimated.Info.TimingSeconds["jacobian_pass_cpu"];

        // 2. one prompt: a whole layer sweep against the middle layer alone
        var all = LayerRef.All(model.NumLayers).ToList();
        Measure(SweepOne, () => Jacobians(model, prompts[0], [layer], options), Useful(prompts[0], blocks), Executed(prompts[0], blocks));
        Measure(SweepAll, () => Jacobians(model, prompts[0], all, options),
            Useful(prompts[0], model.NumLayers), Executed(prompts[0], model.NumLayers));

        // 3. faithfulness over the test set, batched and one prompt at a time
        var test = split.Test.Samples;
        var testPrompts = test.Select(x => SubjectPrompt.Create(lm, IclPrompt.FillQuery(estimated.Info.PromptTemplate, x.Subject), x.Subject)).ToList();
        double recall = 0;
        Measure(FaithBatched, () => recall = Faithfulness(lm, estimated, testPrompts, test, s.FaithfulnessBatchSize));
        Measure(FaithSingle, () => Faithfulness(lm, estimated, testPrompts, test, 1));
        log($"  (faithfulness of the LRE: recall@1 {recall:F2} on {test.Count} test samples)");

        // 4. the reference it replaces
        if (s.Reference)
            Measure(Reference, () => { using var scope = torch.NewDisposeScope(); ReplicatedJacobian.Compute(model, prompts[0], layer, options with { Method = JacobianMethod.Replicated }); },
                Useful(prompts[0], blocks));

        string setup = $"{relation.Name}, layer {layer}, n = {train.Count}, {test.Count} test prompts, " +
            $"prompt lengths {prompts.Min(p => p.Tokens.Count)}–{prompts.Max(p => p.Tokens.Count)} tokens, suffix {prompts.Min(p => p.Tokens.Count - p.SubjectIndex)}–{prompts.Max(p => p.Tokens.Count - p.SubjectIndex)}";
        return new BenchReport(Describe(lm), setup, startRss, phases, jacobianWall, jacobianCpu);
    }

    private static void Jacobians(TransformerLM model, SubjectPrompt prompt, IReadOnlyList<LayerRef> layers, JacobianOptions options)
    {
        using var scope = torch.NewDisposeScope();
        SubjectJacobian.ComputeAllLayers(model, prompt, layers, options);
    }

    private static double Faithfulness(LanguageModel lm, LinearRelation lre, List<SubjectPrompt> prompts, IReadOnlyList<RelationSample> samples, int batchSize)
    {
        using var scope = torch.NewDisposeScope();
        using var states = PromptStates.Read(lm, prompts, [lre.Layer], topK: 3, batchSize: batchSize);
        return Evaluation.Faithfulness.Evaluate(lm, lre, states.H(lre.Layer), states, samples).Recall1;
    }

    /// <summary>One-time costs (thread pools, JIT, first allocations) kept out of the timed phases.</summary>
    private static void Warm(LanguageModel lm, SubjectPrompt prompt)
    {
        using var scope = torch.NewDisposeScope();
        _ = lm.Identity; // hashes the unembedding once per model: not part of an estimate's cost
        MatmulYardstick.Measure(0.2);
        SubjectJacobian.ComputeAllLayers(lm.Model, prompt, [LayerRef.At(lm.Model.NumLayers - 1)], new JacobianOptions { ChunkSize = 8 });
    }

    public static string Describe(LanguageModel lm)
    {
        var m = lm.Model;
        long parameters = m.parameters().Sum(p => p.numel());
        return $"{lm.ModelType}, {m.NumLayers} layers, d = {m.HiddenSize}, vocab {m.VocabSize}, {parameters / 1e6:F1} M parameters ({lm.Directory})";
    }
}
