using System.Globalization;
using System.Text;

namespace Relens.Benchmarks;

/// <summary>The human-readable form of a <see cref="BenchReport"/> (what `relens bench` prints).</summary>
public static class BenchReportText
{
    public static string Format(BenchReport r)
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        void Line(string text) => sb.AppendLine(text);
        string Mem(Phase p) => p.Time.PeakRssBytes < 0 ? "peak RSS n/a"
            : string.Format(c, "peak RSS {0:F2} GiB (+{1:F0} MiB)", p.Time.PeakRssBytes / 1073741824.0, p.Time.GrowthBytes / 1048576.0);
        string Time(Phase p) => string.Format(c, "{0:F2} s wall / {1:F2} s cpu", p.WallPerRun, p.CpuPerRun)
            + (p.Runs > 1 ? $" (mean of {p.Runs} runs)" : "");

        Line($"model   {r.Model}");
        Line(string.Format(c, "memory  RSS {0:F2} GiB before the phases; peak RSS per phase below, with its growth over the RSS at the phase's start", r.StartRssBytes / 1073741824.0));
        Line($"setup   {r.Setup}");
        var lre = r[LreBenchmark.Lre];
        Line(string.Format(c, "matmul  float32 1024³, same run: {0:F1} GFLOP/s wall, {1:F1} GFLOP per cpu-second (mean over the phases)",
            r.Phases.Average(p => p.MatmulWall), r.Phases.Average(p => p.MatmulCpu)));
        Line("");
        Line($"LRE estimate             {Time(lre)}, {Mem(lre)}");
        double jacRate = lre.UsefulFlops / r.LreJacobianWallSeconds / 1e9;
        double jacCpuRate = lre.UsefulFlops / r.LreJacobianCpuSeconds / 1e9;
        Line(string.Format(c, "  Jacobian phase         {0:F3} s wall / {1:F3} s cpu, {2:E3} useful FLOP → {3:F1} GFLOP/s{4}",
            r.LreJacobianWallSeconds / lre.Runs, r.LreJacobianCpuSeconds / lre.Runs, lre.UsefulFlops / lre.Runs, jacRate,
            lre.Runs > 1 ? $" (per LRE, mean of {lre.Runs}; {LreBenchmark.WarmLres} untimed LREs before)" : ""));
        Line(string.Format(c, "    vs matmul            {0:P0} of the matmul rate by wall clock ({1:F1} GFLOP/s), {2:P0} per cpu-second ({3:F1} GFLOP/cpu-s)",
            jacRate / lre.MatmulWall, lre.MatmulWall, jacCpuRate / lre.MatmulCpu, lre.MatmulCpu));
        Line(string.Format(c, "    executed FLOP        {0:E3} (the top block multiplies one row, not T) → {1:P0} of matmul by wall clock",
            lre.ExecutedFlops / lre.Runs, lre.ExecutedFlops / r.LreJacobianWallSeconds / 1e9 / lre.MatmulWall));
        if (lre.Jacobian is { } j)
            Line(string.Format(c, "    forward / backward   {0:F3} s / {1:F3} s wall (tape-recording forward pass / VJPs)", j.ForwardWallSeconds / lre.Runs, (j.WallSeconds - j.ForwardWallSeconds) / lre.Runs));
        if (r.Phases.FirstOrDefault(p => p.Name == LreBenchmark.LreOnePromptPerCall) is { Jacobian: { } alone } perCall)
        {
            double wallRate = perCall.UsefulFlops / alone.WallSeconds / 1e9, cpuRate = perCall.UsefulFlops / alone.CpuSeconds / 1e9;
            Line($"LRE, one prompt per call {Time(perCall)}, {Mem(perCall)}");
            Line(string.Format(c, "  Jacobian phase         {0:F3} s wall / {1:F3} s cpu (forward {2:F3} s) → {3:P0} of the matmul rate by wall clock ({4:F1} GFLOP/s), {5:P0} per cpu-second ({6:F1} GFLOP/cpu-s)",
                alone.WallSeconds / perCall.Runs, alone.CpuSeconds / perCall.Runs, alone.ForwardWallSeconds / perCall.Runs, wallRate / perCall.MatmulWall, perCall.MatmulWall, cpuRate / perCall.MatmulCpu, perCall.MatmulCpu));
            Line(string.Format(c, "  stacking speed-up      {0:F2}× wall, {1:F2}× cpu (Jacobian phase: prompts' cotangents stacked / one prompt per call)",
                alone.WallSeconds / r.LreJacobianWallSeconds, alone.CpuSeconds / r.LreJacobianCpuSeconds));
        }
        var one = r[LreBenchmark.SweepOne];
        var all = r[LreBenchmark.SweepAll];
        Line($"Jacobians, one prompt    middle layer {Time(one)} ({one.WallRatio:P0} of matmul), {Mem(one)}");
        Line($"                         all layers   {Time(all)} ({all.WallRatio:P0} of matmul), {Mem(all)}");
        Line(string.Format(c, "  full sweep / one layer {0:F2}× wall, {1:F2}× cpu", all.Time.WallSeconds / one.Time.WallSeconds, all.Time.CpuSeconds / one.Time.CpuSeconds));
        var batched = r[LreBenchmark.FaithBatched];
        var single = r[LreBenchmark.FaithSingle];
        Line($"Faithfulness, batched    {Time(batched)}, {Mem(batched)}");
        Line($"              one by one {Time(single)}, {Mem(single)}");
        Line(string.Format(c, "  batched speed-up       {0:F2}× wall, {1:F2}× cpu", single.Time.WallSeconds / batched.Time.WallSeconds, single.Time.CpuSeconds / batched.Time.CpuSeconds));
        if (r.Phases.Any(p => p.Name == LreBenchmark.Reference))
        {
            var reference = r[LreBenchmark.Reference];
            Line($"Reference (replicated)   {Time(reference)} ({reference.WallRatio:P0} of matmul), {Mem(reference)}");
            Line(string.Format(c, "  linearized speed-up    {0:F2}× wall, {1:F2}× cpu (middle layer, one prompt)",
                reference.WallPerRun / one.WallPerRun, reference.CpuPerRun / one.CpuPerRun));
        }
        return sb.ToString();
    }
}

/// <summary>The human-readable form of a <see cref="QuantSpeedReport"/>: a Markdown table (BENCHMARKS.md quotes it).</summary>
public static class QuantSpeedReportText
{
    public static string Format(QuantSpeedReport r)
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine($"model   {r.Model}");
        sb.AppendLine($"setup   {r.Setup}");
        sb.AppendLine();
        sb.AppendLine("| weights | block linear weights | forward wall | × float32 | forward cpu | × float32 | LRE wall | × float32 | LRE cpu | × float32 | Jacobian phase wall | × float32 |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var row in r.Rows)
            sb.AppendLine(string.Format(c, "| {0} | {1:F2} MiB | {2:F3} s | {3:F2} | {4:F3} s | {5:F2} | {6:F2} s | {7:F2} | {8:F2} s | {9:F2} | {10:F2} s | {11:F2} |",
                row.Variant, row.WeightBytes / 1048576.0, row.ForwardSeconds, row.ForwardRatio, row.ForwardCpuSeconds, row.ForwardCpuRatio,
                row.LreSeconds, row.LreRatio, row.LreCpuSeconds, row.LreCpuRatio, row.JacobianSeconds, row.JacobianRatio));
        return sb.ToString();
    }
}

/// <summary>The human-readable form of a <see cref="SweepBenchReport"/> (what `relens bench --sweep` prints).</summary>
public static class SweepBenchReportText
{
    public static string Format(SweepBenchReport r)
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        void Line(string text) => sb.AppendLine(text);
        Line($"model   {r.Model}");
        Line($"setup   {r.Relation}: {r.Trials} trial{(r.Trials == 1 ? "" : "s")} × {r.Layers} layers ({r.Units} units computed), n = {r.Shots}, {r.TestFacts} test facts per trial, default β and rank grids");
        Line(r.EveryFactKnown
            ? "        known-fact filter off: every test fact counted as known (timing only; a random model knows no fact)"
            : "        known-fact filter on: the units of trials with too few known facts are not computed");
        Line(string.Format(c, "total   {0:F2} s wall / {1:F2} s process cpu", r.Total.WallSeconds, r.Total.CpuSeconds));
        Line("");
        Line("where the sweep's wall time goes (summed over its timing records):");
        foreach (var p in r.Phases)
            Line(string.Format(c, "  {0,-28} {1,9:F2} s  {2,6:P1}", p.Name, p.Seconds, p.Share));
        Line(string.Format(c, "  {0,-28} {1,9:F2} s  {2,6:P1}", "rest (unaccounted)", r.RestSeconds, r.RestSeconds / Math.Max(r.Total.WallSeconds, 1e-12)));
        Line($"  next bottleneck: {r.Largest.Name}");
        Line("");
        if (r.Units == 0)
        {
            Line("no (trial, layer) unit was computed (every trial stopped at the known-fact filter): nothing to compare with the paper's loop structure");
            return sb.ToString();
        }
        Line("the paper's loop structure, counted: every (trial, layer) LRE from scratch, one prompt's autograd Jacobian at a time");
        Line("(Relens's replicated Jacobian stands in for the paper's autograd loop), timed for one training prompt at every layer:");
        Line("  " + string.Join(", ", r.Replicated.Select(x => string.Format(c, "{0} {1:F2} s ({2:F2} cpu-s)", x.Layer, x.WallSeconds, x.CpuSeconds))));
        Line(string.Format(c, "  Jacobians: paper structure Σ_units n × t_replicated(layer) = {0:F2} s; Relens's estimate phase {1:F2} s " +
            "(of which VJPs {2:F2} s) → {3:F1}×", r.PaperJacobianSeconds, r.EstimateSeconds, r.JacobianBackwardSeconds, r.JacobianRatio));
        Line(string.Format(c, "  whole sweep: paper structure {0:F2} s (its Jacobians + Relens's own non-Jacobian phases, {1:F2} s, taken at Relens's cost, " +
            "which favours the paper's structure) vs Relens {2:F2} s → {3:F1}×", r.PaperSweepSeconds, r.PaperSweepSeconds - r.PaperJacobianSeconds,
            r.Total.WallSeconds, r.SweepRatio));
        return sb.ToString();
    }
}
