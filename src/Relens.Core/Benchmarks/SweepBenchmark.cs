using Relens.Evaluation.Records;
using Relens.Lre;
using Relens.Models;
using Relens.Relations;
using Relens.Sweeps;

namespace Relens.Benchmarks;

/// <summary>One phase of the sweep: its wall seconds summed over the sweep's own timing records (<paramref name="Metric"/>)
/// and its share of the sweep's wall time.</summary>
public sealed record SweepPhase(string Name, string Metric, double Seconds, double Share);

/// <summary>The replicated (autograd) Jacobian of one training prompt at one layer.</summary>
public sealed record ReplicatedLayerTime(string Layer, double WallSeconds, double CpuSeconds);

/// <summary>
/// `relens bench --sweep`: one relation's full sweep and where its time goes, beside the same protocol counted in the
/// paper's code's loop structure.
/// </summary>
/// <param name="EveryFactKnown">The known-fact filter was off (<see cref="SweepSettings.CountEveryTestFactAsKnown"/>).</param>
/// <param name="Units">(trial, layer) units computed.</param>
/// <param name="Total">The whole sweep (<see cref="RelationSweep.Run"/>), wall and process CPU.</param>
/// <param name="RestSeconds">Wall time no phase record accounts for (norms, row selection, record writing).</param>
/// <param name="JacobianBackwardSeconds">The sum of the sweep's jacobian_seconds records: the VJP part of the estimate alone.</param>
/// <param name="Replicated">The replicated Jacobian of trial 0's first training prompt at every swept layer.</param>
/// <param name="PaperJacobianSeconds">The paper's loop structure counted: every unit estimates its LRE from scratch, one
/// prompt's autograd Jacobian at a time at that layer, so Σ over units of n × t_replicated(layer). The replicated path
/// is Relens's stand-in for the paper's autograd loop.</param>
/// <param name="PaperSweepSeconds"><see cref="PaperJacobianSeconds"/> plus Relens's own measured non-Jacobian time (the
/// sweep's wall time minus its estimate phase). Those phases are taken at Relens's cost (batched states and
/// evaluation), which favours the paper's structure.</param>
public sealed record SweepBenchReport(string Model, string Relation, int Trials, int Shots, int Layers, int TestFacts, bool EveryFactKnown,
    int Units, Timing Total, IReadOnlyList<SweepPhase> Phases, double RestSeconds, double JacobianBackwardSeconds,
    IReadOnlyList<ReplicatedLayerTime> Replicated, double PaperJacobianSeconds, double PaperSweepSeconds)
{
    /// <summary>The phase with the most wall time: the next bottleneck.</summary>
    public SweepPhase Largest => Phases.OrderByDescending(p => p.Seconds).First();

    public double EstimateSeconds => Phases.First(p => p.Metric == SweepMetrics.EstimateSeconds).Seconds;

    /// <summary>Paper-structure Jacobians over Relens's estimate phase.</summary>
    public double JacobianRatio => PaperJacobianSeconds / Math.Max(EstimateSeconds, 1e-12);

    /// <summary>The paper-structure sweep over Relens's measured sweep.</summary>
    public double SweepRatio => PaperSweepSeconds / Math.Max(Total.WallSeconds, 1e-12);
}

public static class SweepBenchmark
{
    /// <summary>The phases, in protocol order: (name, timing record).</summary>
    public static readonly IReadOnlyList<(string Name, string Metric)> PhaseMetrics =
    [
        ("test states, known filter", SweepMetrics.TestStatesSeconds),
        ("train states", SweepMetrics.TrainStatesSeconds),
        ("Jacobians (LRE estimate)", SweepMetrics.EstimateSeconds),
        ("faithfulness (β grid)", SweepMetrics.FaithfulnessSeconds),
        ("causality (rank grid)", SweepMetrics.CausalitySeconds),
        ("baselines", SweepMetrics.BaselinesSeconds),
    ];

    /// <summary>
    /// Sweeps <paramref name="relation"/> with <paramref name="settings"/> into a temporary record store (deleted
    /// afterwards), sums its timing records per phase, then times the replicated Jacobian of one training prompt at
    /// every swept layer for the paper-structure count.
    /// </summary>
    public static SweepBenchReport Run(LanguageModel lm, Relation relation, SweepSettings settings, Action<string>? log = null)
    {
        log ??= _ => { };
        string template = relation.PromptTemplates[0];
        var train = relation.Split(settings.Shots, settings.Seed).Train.Samples;
        var prompt = SubjectPrompt.Create(lm, IclPrompt.Build(template, train[0].Subject, train, lm.PromptPrefix), train[0].Subject);
        LreBenchmark.Warm(lm, prompt);

        string dir = Path.Combine(Path.GetTempPath(), $"relens-bench-sweep-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        IReadOnlyList<SweepRecord> records;
        IReadOnlyList<LayerRef> layers;
        Timing total;
        try
        {
            string path = Path.Combine(dir, "results.jsonl");
            using (var store = SweepRecordStore.Open(path))
            {
                var sweep = new RelationSweep(lm, settings, store, log);
                layers = sweep.Layers;
                total = Timing.Of(() => sweep.Run(relation));
            }
            records = SweepRecordStore.ReadAll(path);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }

        double wall = Math.Max(total.WallSeconds, 1e-12);
        var phases = PhaseMetrics.Select(p =>
        {
            double s = records.Where(r => r.Metric == p.Metric).Sum(r => r.Value);
            return new SweepPhase(p.Name, p.Metric, s, s / wall);
        }).ToList();
        double rest = total.WallSeconds - phases.Sum(p => p.Seconds);
        var units = records.Where(r => r.Metric == SweepMetrics.UnitDone && r.Layer is not null).ToList();

        var options = settings.Jacobian with { Method = JacobianMethod.Replicated };
        // autograd's first graph and allocations kept out of the first layer's time: once at a top layer, untimed
        LreBenchmark.Replicated(lm.Model, prompt, LayerRef.At(Math.Max(0, lm.Model.NumLayers - 2)), options);
        var replicated = layers.Select(layer =>
        {
            var t = Timing.Of(() => LreBenchmark.Replicated(lm.Model, prompt, layer, options));
            log($"  replicated Jacobian at {layer}: {t.WallSeconds:F2} s wall, {t.CpuSeconds:F2} s cpu");
            return new ReplicatedLayerTime(layer.ToString(), t.WallSeconds, t.CpuSeconds);
        }).ToList();
        var perLayer = replicated.ToDictionary(r => r.Layer, r => r.WallSeconds);
        double paperJacobians = units.Sum(u => settings.Shots * perLayer[u.Layer!.Value.ToString()]);
        double estimate = phases.First(p => p.Metric == SweepMetrics.EstimateSeconds).Seconds;
        int testFacts = (int)records.Where(r => r.Metric == SweepMetrics.TestCount).Select(r => r.Value).DefaultIfEmpty(0).Max();
        return new SweepBenchReport(LreBenchmark.Describe(lm), relation.Name, settings.Trials, settings.Shots, layers.Count, testFacts,
            settings.CountEveryTestFactAsKnown, units.Count, total, phases, rest,
            records.Where(r => r.Metric == SweepMetrics.JacobianSeconds).Sum(r => r.Value),
            replicated, paperJacobians, paperJacobians + (total.WallSeconds - estimate));
    }
}
