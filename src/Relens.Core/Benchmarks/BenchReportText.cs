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
            lre.ExecutedFlops, lre.ExecutedFlops / r.LreJacobianWallSeconds / 1e9 / lre.MatmulWall));
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
