using Stopwatch = System.Diagnostics.Stopwatch;
using Relens.Models;
using Relens.Relations;
using Relens.Tracing;

namespace Relens.Benchmarks;

/// <summary>One relation's averaged state trace, batched and one restoration per forward pass (ROME's loop).</summary>
/// <param name="Cells">Restored (token, layer) states over all facts; each is <see cref="Samples"/> noisy rows.</param>
/// <param name="BatchedSeconds">The batched trace, timed before and after the one-at-a-time one (load drift shows as a gap).</param>
/// <param name="BatchedCpuSeconds">Process CPU time of the same phases (steadier than wall time on a shared machine).</param>
/// <param name="MaxDifference">Largest |p| difference between the two layouts' averaged maps (the same noise in both).</param>
public sealed record TraceBenchReport(string Model, string Relation, int Facts, int Candidates, int Layers, int Samples, long Cells,
    double[] BatchedSeconds, long BatchedPasses, double OneAtATimeSeconds, long OneAtATimePasses, double MaxDifference,
    double[] BatchedCpuSeconds, double OneAtATimeCpuSeconds)
{
    public double Ratio => OneAtATimeSeconds / BatchedSeconds.Average();
    public double CpuRatio => OneAtATimeCpuSeconds / BatchedCpuSeconds.Average();
}

public static class TraceBenchmark
{
    public static TraceBenchReport Run(LanguageModel lm, Relation relation, int maxFacts, int samples, int shots, Action<string> log)
    {
        var facts = TraceFacts.Select(lm, relation, shots, seed: 0, zeroShot: false, maxFacts);
        if (facts.Known.Count == 0) throw new RelensException($"the model knows none of the facts of '{relation.Name}' under trial 0's prompts: nothing to trace");
        int layers = lm.Model.NumLayers;
        long cells = facts.Known.Sum(p => (long)(p.Count - p.SubjectFirst) * layers);
        log($"{relation.Name}: {facts.Known.Count} known facts (of {facts.Candidates}), {cells} restored states × {samples} noise samples");
        var options = new TraceOptions { Samples = samples, Window = 1, KnockoutWindow = 1 };
        (AveragedTrace Map, double Seconds, double Cpu, long Passes) Time(TraceOptions o, string label)
        {
            var tracer = new CausalTracer(lm, o);
            tracer.Clean(facts.Known[0]);   // warm-up: first-call allocations out of the timing
            long before = tracer.ForwardPasses;
            var cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            var map = RelationTrace.Run(tracer, relation.Name, facts, [TraceKind.State]).Averages[TraceKind.State];
            double s = clock.Elapsed.TotalSeconds;
            double c = (System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
            log($"  {label}: {s:F2} s wall, {c:F2} s process CPU, {tracer.ForwardPasses - before} forward passes; load average {Load()}");
            return (map, s, c, tracer.ForwardPasses - before);
        }
        var first = Time(options, "batched");
        var single = Time(options with { MaxCellsPerForward = 1 }, "one at a time (--batch 1)");
        var again = Time(options, "batched again");
        double diff = first.Map.Scores.Zip(single.Map.Scores).SelectMany(r => r.First.Zip(r.Second))
            .Where(p => p.First is not null).Max(p => Math.Abs(p.First!.Value - p.Second!.Value));
        return new TraceBenchReport(lm.Directory, relation.Name, facts.Known.Count, facts.Candidates, layers, samples, cells,
            [first.Seconds, again.Seconds], first.Passes, single.Seconds, single.Passes, diff, [first.Cpu, again.Cpu], single.Cpu);
    }

    private static string Load()
    {
        try { return File.ReadAllText("/proc/loadavg").Split(' ')[0]; }
        catch (IOException) { return "n/a"; }
    }
}
