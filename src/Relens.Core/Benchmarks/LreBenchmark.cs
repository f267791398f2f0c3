using Relens.Evaluation;
using Relens.Lre;
using Relens.Models;
using Relens.Relations;
using TorchSharp;

namespace Relens.Benchmarks;

/// <summary>
/// The LRE benchmarks of BENCHMARKS.md on one model: an n-shot LRE at a middle layer (its Jacobian phase
/// against the matmul rate), a full layer sweep's Jacobians against one layer, faithfulness batched against
/// one prompt at a time, peak memory of each, and optionally the replicated reference.
/// </summary>
public static class LreBenchmark
{
    public const string Lre = "lre", LreOnePromptPerCall = "lre-one-prompt-per-call", SweepOne = "sweep-one-layer", SweepAll = "sweep-all-layers",
        FaithBatched = "faithfulness-batched", FaithSingle = "faithfulness-single", Reference = "reference-replicated";

    public static BenchReport Run(LanguageModel lm, Relation relation, BenchSettings s, Action<string>? log = null)
    {
        var layer = LayerRef.At(s.Layer ?? lm.Model.NumLayers / 2 - 1);
        layer.Validate(lm.Model);
        var split = relation.WithTrainSubjects(s.TrainSubjects);
        var train = split.Train.Samples;
        var prompts = train.Select(x => SubjectPrompt.Create(lm, IclPrompt.Build(relation.PromptTemplates[0], x.Subject, train, lm.PromptPrefix), x.Subject)).ToList();
        Warm(lm, prompts[0]);
        if (lm.Model.HiddenSize <= SmallModelDim) WarmLre(lm, relation, train, layer, s);
        PeakMemory.Reset(); // returns freed heap (e.g. of a previous model) to the OS first
        long startRss = PeakMemory.RssBytes();

        var run = new Session(lm, s, layer, prompts, log ?? (_ => { }));
        using var lre = run.Lre(relation, train);
        if (s.CompareStacking) run.LreOnePromptPerCall(relation, train);
        run.Sweeps();
        run.Faithfulness(lre, split.Test.Samples);
        if (s.Reference) run.Reference();

        string setup = $"{relation.Name}, layer {layer}, n = {train.Count}, {split.Test.Samples.Count} test prompts, " +
            $"prompt lengths {prompts.Min(p => p.Tokens.Count)}–{prompts.Max(p => p.Tokens.Count)} tokens, " +
            $"suffix {prompts.Min(Suffix)}–{prompts.Max(Suffix)}";
        // the Jacobian phase as the estimator times it: the tape-recording forward pass and the backward sweeps
        var jacobian = run.Phases.First(p => p.Name == Lre).Jacobian!; // totals over the phase's runs
        return new BenchReport(Describe(lm), setup, startRss, run.Phases, jacobian.WallSeconds, jacobian.CpuSeconds);
    }

    private static long Suffix(SubjectPrompt p) => p.Tokens.Count - p.SubjectIndex;

    /// <summary>The phases of one model's run, each with the matmul rate measured next to it.</summary>
    private sealed class Session(LanguageModel lm, BenchSettings s, LayerRef layer, List<SubjectPrompt> prompts, Action<string> log)
    {
        private readonly JacobianOptions _options = new() { MemoryBudgetBytes = s.MemoryBudgetBytes };
        private readonly int _blocks = lm.Model.NumLayers - layer.NextBlock;
        public List<Phase> Phases { get; } = [];

        private double Useful(SubjectPrompt p, int blocks) => Flops(JacobianFlops.Useful, p, blocks);
        private double Executed(SubjectPrompt p, int blocks) => Flops(JacobianFlops.Executed, p, blocks);

        private readonly BlockShape _shape = BlockShape.Of(lm.Model);

        private double Flops(Func<BlockShape, int, long, long, double> count, SubjectPrompt p, int blocks) =>
            count(_shape, blocks, Suffix(p), p.Tokens.Count);

        private Phase Measure(string name, Action work, double useful = 0, double executed = 0)
        {
            var before = MatmulYardstick.Measure(s.YardstickSeconds);
            GC.Collect();
            var time = Timing.Of(work);
            var after = MatmulYardstick.Measure(s.YardstickSeconds);
            var phase = new Phase(name, time, (before.Wall + after.Wall) / 2, (before.Cpu + after.Cpu) / 2, useful, executed);
            Phases.Add(phase);
            log($"  {name}: {time.WallSeconds:F2} s wall, {time.CpuSeconds:F2} s cpu");
            return phase;
        }

        /// <summary>The n-shot LRE (all prompts' Jacobians plus the means); its Jacobian phase is timed inside the estimator.</summary>
        public LinearRelation Lre(Relation relation, IReadOnlyList<RelationSample> train) => Lre(LreBenchmark.Lre, relation, train, _options);

        /// <summary>The same LRE with every prompt's cotangents in backward calls of their own: what stacking gains.</summary>
        public void LreOnePromptPerCall(Relation relation, IReadOnlyList<RelationSample> train) =>
            Lre(LreBenchmark.LreOnePromptPerCall, relation, train, _options with { PromptsPerCall = 1 }).Dispose();

        /// <summary>The LRE <see cref="LreRuns"/> times in a row (a small model's LRE takes a tenth of a second, too short to
        /// time once); FLOPs and times are totals, and the last LRE is returned.</summary>
        private LinearRelation Lre(string name, Relation relation, IReadOnlyList<RelationSample> train, JacobianOptions options)
        {
            LinearRelation? lre = null;
            JacobianTiming? jacobian = null;
            int runs = LreRuns(lm);
            var phase = Measure(name, () =>
            {
                for (int i = 0; i < runs; i++)
                {
                    lre?.Dispose();
                    lre = LreEstimator.EstimateLayers(lm, relation.Name, relation.PromptTemplates[0], train, [layer], s.Beta, options)[0];
                    jacobian = JacobianTiming.Of(lre.Info.TimingSeconds).Plus(jacobian);
                }
            }, runs * prompts.Sum(p => Useful(p, _blocks)), runs * prompts.Sum(p => Executed(p, _blocks)));
            Phases[^1] = phase with { Runs = runs, Jacobian = jacobian };
            return lre!;
        }

        /// <summary>One prompt: all layers against the middle layer alone, alternated so both see the same load.</summary>
        public void Sweeps()
        {
            var all = LayerRef.All(lm.Model.NumLayers).ToList();
            var (one, every) = (new List<Timing>(), new List<Timing>());
            var before = MatmulYardstick.Measure(s.YardstickSeconds);
            for (int i = 0; i < Math.Max(1, s.SweepRepeats); i++)
            {
                one.Add(Timing.Of(() => Jacobians(lm.Model, prompts[0], [layer], _options)));
                every.Add(Timing.Of(() => Jacobians(lm.Model, prompts[0], all, _options)));
            }
            var after = MatmulYardstick.Measure(s.YardstickSeconds);
            double wall = (before.Wall + after.Wall) / 2, cpu = (before.Cpu + after.Cpu) / 2;
            int n = one.Count, L = lm.Model.NumLayers;
            Phases.Add(new Phase(SweepOne, Timing.Sum(one), wall, cpu, n * Useful(prompts[0], _blocks), n * Executed(prompts[0], _blocks), n));
            Phases.Add(new Phase(SweepAll, Timing.Sum(every), wall, cpu, n * Useful(prompts[0], L), n * Executed(prompts[0], L), n));
            log($"  sweeps: one layer {Timing.Sum(one).WallSeconds:F2} s, all layers {Timing.Sum(every).WallSeconds:F2} s ({n} runs each)");
        }

        /// <summary>Faithfulness over the test set, batched and one prompt at a time.</summary>
        public void Faithfulness(LinearRelation lre, IReadOnlyList<RelationSample> test)
        {
            var testPrompts = test.Select(x => SubjectPrompt.Create(lm, IclPrompt.FillQuery(lre.Info.PromptTemplate, x.Subject), x.Subject)).ToList();
            double recall = 0;
            Measure(FaithBatched, () => recall = Evaluate(lm, lre, testPrompts, test, s.FaithfulnessBatchSize));
            Measure(FaithSingle, () => Evaluate(lm, lre, testPrompts, test, 1));
            log($"  (faithfulness of the LRE: recall@1 {recall:F2} on {test.Count} test samples)");
        }

        /// <summary>The replicated autograd Jacobian the linearized one replaces, for one prompt.</summary>
        public void Reference() => Measure(LreBenchmark.Reference, () => Replicated(lm.Model, prompts[0], layer, _options with { Method = JacobianMethod.Replicated }),
            Useful(prompts[0], _blocks));
    }

    /// <summary>The replicated (autograd) Jacobian of one prompt at one layer, its tensors freed: what the reference
    /// phase and `bench --sweep`'s paper-structure count time.</summary>
    internal static void Replicated(TransformerLM model, SubjectPrompt prompt, LayerRef layer, JacobianOptions options)
    {
        using var scope = torch.NewDisposeScope();
        ReplicatedJacobian.Compute(model, prompt, layer, options);
    }

    private static void Jacobians(TransformerLM model, SubjectPrompt prompt, IReadOnlyList<LayerRef> layers, JacobianOptions options)
    {
        using var scope = torch.NewDisposeScope();
        SubjectJacobian.ComputeAllLayers(model, prompt, layers, options);
    }

    private static double Evaluate(LanguageModel lm, LinearRelation lre, List<SubjectPrompt> prompts, IReadOnlyList<RelationSample> samples, int batchSize)
    {
        using var scope = torch.NewDisposeScope();
        using var states = PromptStates.Read(lm, prompts, [lre.Layer], topK: 3, batchSize: batchSize);
        return Evaluation.Faithfulness.Evaluate(lm, lre, states.H(lre.Layer), states, samples).Recall1;
    }

    /// <summary>One-time costs (thread pools, JIT, the first large allocations) kept out of the timed phases:
    /// the model's identity hash and one full-size chunk through the top block.</summary>
    internal static void Warm(LanguageModel lm, SubjectPrompt prompt)
    {
        using var scope = torch.NewDisposeScope();
        _ = lm.Identity; // hashes the unembedding once per model: not part of an estimate's cost
        MatmulYardstick.Measure(0.2);
        var layer = LayerRef.At(Math.Max(0, lm.Model.NumLayers - 2));
        SubjectJacobian.ComputeAllLayers(lm.Model, prompt, [layer], new JacobianOptions { ChunkSize = lm.Model.HiddenSize });
    }

    /// <summary>Up to this width a whole LRE is cheap (a tenth of a second at d = 256): it is warmed up untimed and timed
    /// as the mean of several runs.</summary>
    private const long SmallModelDim = 512;

    /// <summary>Runs of the timed LRE phase: 20 for a small model, else 1.</summary>
    private static int LreRuns(LanguageModel lm) => lm.Model.HiddenSize <= SmallModelDim ? 20 : 1;

    /// <summary>
    /// A small model's LRE costs so little that the .NET runtime's tiered recompilation of the code it runs (background
    /// threads, counted in the process's CPU time) is a large share of the first ones. On the world model (d = 256, idle
    /// machine) the Jacobian phase took 137–143 ms per LRE after 3 untimed LREs and 117–130 ms after 60; with the
    /// runtime's profile-guided tiering off (DOTNET_TieredPGO=0) it reached 118–129 ms after 3. `relens run` estimates
    /// many LREs in one process (and runs the same code in its other phases), so the timed phases should see the
    /// steady state: <see cref="WarmLres"/> untimed LREs in each layout (stacked prompts, one prompt per call) first.
    /// </summary>
    private static void WarmLre(LanguageModel lm, Relation relation, IReadOnlyList<RelationSample> train, LayerRef layer, BenchSettings s)
    {
        var options = new JacobianOptions { MemoryBudgetBytes = s.MemoryBudgetBytes };
        foreach (var o in new[] { options, options with { PromptsPerCall = 1 } })
            for (int i = 0; i < WarmLres; i++)
                LreEstimator.EstimateLayers(lm, relation.Name, relation.PromptTemplates[0], train, [layer], s.Beta, o)[0].Dispose();
    }

    /// <summary>Untimed LREs per layout before a small model's timed phases.</summary>
    public const int WarmLres = 40;

    public static string Describe(LanguageModel lm)
    {
        var m = lm.Model;
        long parameters = m.parameters().Sum(p => p.numel());
        return $"{lm.ModelType}, {m.NumLayers} layers, d = {m.HiddenSize}, vocab {m.VocabSize}, {parameters / 1e6:F1} M parameters ({lm.Directory})";
    }
}
