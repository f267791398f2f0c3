namespace Relens.Runs;

/// <summary>A sample `relens run` leaves out because it cannot be prompted or its subject cannot be located
/// (recorded as <see cref="Sweeps.SweepMetrics.SampleSkipped"/>; the relation goes on with the others).</summary>
public sealed record SkippedSample(string Subject, string Object, string Reason);
