using System.Diagnostics;
using TorchSharp;

namespace Relens.Runtime;

/// <summary>The float32 matmul rate of this machine, the yardstick for every throughput figure.</summary>
public static class MatmulRate
{
    /// <summary>Times n×n×n float32 matmuls (after a warm-up) and returns GFLOP/s (2n³ FLOPs each).</summary>
    public static double Measure(int n = 1024, double seconds = 1.0)
    {
        using var scope = torch.NewDisposeScope();
        var a = torch.randn(n, n);
        var b = torch.randn(n, n);
        var c = torch.empty(n, n);
        { using var _ = torch.matmul(a, b); } // warm-up: thread pool and caches
        int reps = 0;
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed.TotalSeconds < seconds || reps < 3)
        {
            { using var _ = torch.matmul(a, b); }
            reps++;
        }
        return 2.0 * n * n * n * reps / sw.Elapsed.TotalSeconds / 1e9;
    }
}
