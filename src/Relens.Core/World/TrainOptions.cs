namespace Relens.World;

/// <summary>
/// Settings of a from-scratch training run. Defaults are those that worked for d = 256 in the
/// WORLD-PROBES runs: AdamW (0.9, 0.98), weight decay 0.01, peak lr 2e-3, linear warm-up then cosine
/// decay to <see cref="MinLrFraction"/> of the peak, gradient clipping at 1.0, 16 × 128-token blocks.
/// </summary>
/// <param name="MaxSteps">Step limit; 0 = none (then <see cref="TimeBudget"/> is required).</param>
/// <param name="TimeBudget">Wall-clock budget. The run measures its first steps and plans a step count
/// that fits, so the cosine schedule ends when the budget does and the plan is recorded for resuming.</param>
/// <param name="CheckpointEvery">Steps between resumable checkpoints; 0 = only at the end.</param>
public sealed record TrainOptions(
    int BlockSize = 128, int BatchSize = 16,
    double LearningRate = 2e-3, int WarmupSteps = 30, double MinLrFraction = 0.1,
    double WeightDecay = 0.01, double Beta1 = 0.9, double Beta2 = 0.98, double ClipNorm = 1.0,
    int MaxSteps = 0, TimeSpan? TimeBudget = null,
    int Seed = 1, int CheckpointEvery = 200, int LogEvery = 20, int Threads = 2)
{
    public void Validate()
    {
        if (MaxSteps <= 0 && TimeBudget is null) throw new RelensException("training needs a step limit or a time budget");
        if (BlockSize < 2 || BatchSize < 1) throw new RelensException("block size must be ≥ 2 and batch size ≥ 1");
        if (LearningRate <= 0 || MinLrFraction < 0 || MinLrFraction > 1) throw new RelensException("bad learning-rate settings");
    }
}

/// <summary>Linear warm-up to the peak, then cosine decay to minFraction × peak at the last step.</summary>
public static class LrSchedule
{
    public static double At(int step, int totalSteps, TrainOptions o)
    {
        if (step < o.WarmupSteps) return o.LearningRate * (step + 1) / o.WarmupSteps;
        int decaySteps = Math.Max(1, totalSteps - o.WarmupSteps);
        double progress = Math.Clamp((double)(step - o.WarmupSteps) / decaySteps, 0, 1);
        double cosine = 0.5 * (1 + Math.Cos(Math.PI * progress));
        return o.LearningRate * (o.MinLrFraction + (1 - o.MinLrFraction) * cosine);
    }
}
