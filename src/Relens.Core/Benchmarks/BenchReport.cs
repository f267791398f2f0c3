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
    /// <summary>Runs of the one-prompt sweep comparison (middle layer and all layers, alternated).</summary>
    public int SweepRepeats { get; init; } = 3;
    /// <summary>Seconds of matmul timing before and after each phase.</summary>
    public double YardstickSeconds { get; init; } = 1.0;
    /// <summary>Also time the LRE with one prompt per backward call (no stacking of prompts' cotangents), for the gain.</summary>
    public bool CompareStacking { get; init; } = true;
}

/// <summary>One timed phase (<paramref name="Runs"/> runs of the same work; times and FLOPs are totals) with the
/// matmul rate measured right before and after it (mean of the two). An LRE phase also carries its estimator's
/// Jacobian timing (<paramref name="Jacobian"/>).</summary>
public sealed record Phase(string Name, Timing Time, double MatmulWall, double MatmulCpu, double UsefulFlops = 0, double ExecutedFlops = 0, int Runs = 1,
    JacobianTiming? Jacobian = null)
{
    public double WallPerRun => Time.WallSeconds / Runs;
    public double CpuPerRun => Time.CpuSeconds / Runs;

    /// <summary>Useful FLOP/s over the phase as a share of the matmul rate, by wall clock and by process CPU time.</summary>
    public double WallRatio => UsefulFlops / Time.WallSeconds / 1e9 / MatmulWall;
    public double CpuRatio => UsefulFlops / Time.CpuSeconds / 1e9 / MatmulCpu;
    public double ExecutedWallRatio => ExecutedFlops / Time.WallSeconds / 1e9 / MatmulWall;
}

/// <summary>The Jacobian phase of an LRE as its estimator timed it: the tape-recording forward pass plus the backward
/// sweeps (wall), their process CPU seconds, and the forward pass alone (wall).</summary>
public sealed record JacobianTiming(double WallSeconds, double CpuSeconds, double ForwardWallSeconds)
{
    public static JacobianTiming Of(IReadOnlyDictionary<string, double> timing) =>
        new(timing["forward"] + timing["jacobian_pass"], timing["jacobian_pass_cpu"], timing["forward"]);

    /// <summary>This timing added to <paramref name="other"/> (null: this alone), for phases of several LREs.</summary>
    public JacobianTiming Plus(JacobianTiming? other) => other is null ? this
        : new(WallSeconds + other.WallSeconds, CpuSeconds + other.CpuSeconds, ForwardWallSeconds + other.ForwardWallSeconds);
}

/// <param name="LreJacobianWallSeconds">The estimator's Jacobian phase (all n prompts: batched forward pass and VJPs), summed over
/// the LRE phase's runs (<see cref="Phase.Runs"/>), as its FLOPs are.</param>
public sealed record BenchReport(string Model, string Setup, long StartRssBytes, IReadOnlyList<Phase> Phases,
    double LreJacobianWallSeconds, double LreJacobianCpuSeconds)
{
    public Phase this[string name] => Phases.First(p => p.Name == name);
}
