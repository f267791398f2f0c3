using Relens.Lre;
using Relens.Models;
using Relens.Relations;
using TorchSharp;

namespace Relens.Benchmarks;

/// <summary>One model variant's figures: medians over the rounds, and the median of each round's ratio to float32
/// (both variants timed in the same round, so load that changes between rounds cancels out of the ratio). Wall and
/// process CPU seconds: on a machine shared with other jobs the CPU seconds a piece of work takes vary far less than
/// its wall time.</summary>
public sealed record QuantSpeedRow(string Variant, long WeightBytes, double ForwardSeconds, double LreSeconds, double JacobianSeconds,
    double ForwardRatio, double LreRatio, double JacobianRatio,
    double ForwardCpuSeconds, double LreCpuSeconds, double ForwardCpuRatio, double LreCpuRatio);

public sealed record QuantSpeedReport(string Model, string Setup, int Rounds, IReadOnlyList<QuantSpeedRow> Rows);

/// <summary>
/// Forward-pass and LRE time of the same model at float32 and with packed (quantised) weights, measured in the same
/// run: every round times each variant once (in a rotated order), so the ratios compare like with like on a shared
/// machine. The forward is one batched pass over the n training prompts (last-token logits); the LRE is the n-shot
/// estimate at the middle layer, its Jacobian phase (tape-recording forward + VJPs) reported separately.
/// </summary>
public static class QuantSpeedBenchmark
{
    /// <param name="variants">Each variant's name and model; the first is the baseline (float32).</param>
    public static QuantSpeedReport Run(IReadOnlyList<(string Name, LanguageModel Lm)> variants, Relation relation, BenchSettings s,
        int rounds, int forwardRepeats, Action<string>? log = null)
    {
        log ??= _ => { };
        var baseline = variants[0].Lm;
        var layer = LayerRef.At(s.Layer ?? baseline.Model.NumLayers / 2 - 1);
        layer.Validate(baseline.Model);
        var train = relation.WithTrainSubjects(s.TrainSubjects).Train.Samples;
        var options = new JacobianOptions { MemoryBudgetBytes = s.MemoryBudgetBytes };
        var prompts = train.Select(x => IclPrompt.Build(relation.PromptTemplates[0], x.Subject, train, baseline.PromptPrefix)).ToList();

        // one untimed pass of each: JIT, thread pools, first allocations
        foreach (var (_, lm) in variants)
        {
            Forward(lm, prompts);
            Lre(lm, relation, train, layer, options, s.Beta).Dispose();
        }
        var times = variants.Select(_ => new List<(double Forward, double Lre, double Jacobian, double ForwardCpu, double LreCpu)>()).ToArray();
        for (int round = 0; round < rounds; round++)
        {
            for (int k = 0; k < variants.Count; k++)
            {
                int v = (k + round) % variants.Count;
                var lm = variants[v].Lm;
                GC.Collect();
                var forward = Timing.Of(() => { for (int i = 0; i < forwardRepeats; i++) Forward(lm, prompts); });
                double jacobian = 0;
                var lre = Timing.Of(() =>
                {
                    using var result = Lre(lm, relation, train, layer, options, s.Beta);
                    jacobian = result.Info.TimingSeconds["forward"] + result.Info.TimingSeconds["jacobian_pass"];
                });
                times[v].Add((forward.WallSeconds / forwardRepeats, lre.WallSeconds, jacobian, forward.CpuSeconds / forwardRepeats, lre.CpuSeconds));
                log($"  round {round + 1}/{rounds} {variants[v].Name,-8} forward {forward.WallSeconds / forwardRepeats:F3} s wall / {forward.CpuSeconds / forwardRepeats:F3} s cpu, " +
                    $"LRE {lre.WallSeconds:F2} s wall / {lre.CpuSeconds:F2} s cpu (Jacobian phase {jacobian:F2} s wall)");
            }
        }

        var rows = variants.Select((variant, v) => new QuantSpeedRow(variant.Name,
            BlockLinearBytes(variant.Lm.Model),
            Median(times[v].Select(t => t.Forward)), Median(times[v].Select(t => t.Lre)), Median(times[v].Select(t => t.Jacobian)),
            Median(times[v].Zip(times[0], (t, b) => t.Forward / b.Forward)),
            Median(times[v].Zip(times[0], (t, b) => t.Lre / b.Lre)),
            Median(times[v].Zip(times[0], (t, b) => t.Jacobian / b.Jacobian)),
            Median(times[v].Select(t => t.ForwardCpu)), Median(times[v].Select(t => t.LreCpu)),
            Median(times[v].Zip(times[0], (t, b) => t.ForwardCpu / b.ForwardCpu)),
            Median(times[v].Zip(times[0], (t, b) => t.LreCpu / b.LreCpu)))).ToList();
        string setup = $"{relation.Name}, layer {layer}, n = {train.Count}; forward = {train.Count} prompts batched " +
            $"(mean of {forwardRepeats}), LRE = the n-shot estimate; medians over {rounds} rounds";
        return new QuantSpeedReport(LreBenchmark.Describe(baseline), setup, rounds, rows);
    }

    private static void Forward(LanguageModel lm, IReadOnlyList<string> prompts)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var batch = PromptBatch.Create(lm.Tokenizer, prompts);
        lm.Model.Forward(new ForwardInput { InputIds = batch.InputIds, PaddingMask = batch.PaddingMask, Logits = LogitsAt.Last });
    }

    private static LinearRelation Lre(LanguageModel lm, Relation relation, IReadOnlyList<RelationSample> train, LayerRef layer, JacobianOptions options, double beta) =>
        LreEstimator.EstimateLayers(lm, relation.Name, relation.PromptTemplates[0], train, [layer], beta, options)[0];

    /// <summary>Bytes the blocks' linear weights take as held: packed codes and scales, or float.</summary>
    private static long BlockLinearBytes(TransformerLM model) => ModelQuantizer.Targets(model)
        .Sum(t => t.Layer.Packed?.Bytes ?? t.Layer.InFeatures * t.Layer.OutFeatures * LinearizedJacobian.ElementBytes(model.DType));

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.OrderBy(x => x).ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
