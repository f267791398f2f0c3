using System.Diagnostics;
using System.Runtime.InteropServices;
using TorchSharp;

namespace Relens.Benchmarks;

/// <summary>Wall-clock and process CPU seconds of one piece of work, the process's RSS when it started and its peak RSS during it.</summary>
public sealed record Timing(double WallSeconds, double CpuSeconds, long StartRssBytes, long PeakRssBytes)
{
    /// <summary>
    /// Runs <paramref name="work"/> once. CPU seconds are counted for the whole process (every thread): on a
    /// machine shared with other jobs, work per CPU-second is steadier than work per wall-second, so both are
    /// reported. The peak RSS is the kernel's high-water mark, reset first where Linux allows it.
    /// </summary>
    public static Timing Of(Action work)
    {
        bool reset = PeakMemory.Reset();
        long start = PeakMemory.RssBytes();
        var process = Process.GetCurrentProcess();
        var cpu0 = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        work();
        double wall = clock.Elapsed.TotalSeconds;
        process.Refresh();
        return new Timing(wall, (process.TotalProcessorTime - cpu0).TotalSeconds, start, reset ? PeakMemory.PeakRssBytes() : -1);
    }

    /// <summary>Several runs of the same work as one: times add up, memory is the worst run's.</summary>
    public static Timing Sum(IReadOnlyList<Timing> runs) => new(runs.Sum(r => r.WallSeconds), runs.Sum(r => r.CpuSeconds),
        runs.Min(r => r.StartRssBytes), runs.Max(r => r.PeakRssBytes));

    /// <summary>Peak RSS above the RSS at the start: what the work itself needed (weights excluded).</summary>
    public long GrowthBytes => PeakRssBytes < 0 ? -1 : Math.Max(0, PeakRssBytes - StartRssBytes);
}

/// <summary>The process's peak resident set (VmHWM). libtorch keeps no allocator statistics on the CPU, so this is the figure.</summary>
public static class PeakMemory
{
    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);

    /// <summary>
    /// Hands freed heap memory back to the OS (glibc keeps it otherwise, so one phase's garbage would count
    /// as the next phase's RSS), then resets the high-water mark to the current RSS ("5" into
    /// /proc/self/clear_refs). False where Linux does not allow it.
    /// </summary>
    public static bool Reset()
    {
        try { MallocTrim(0); } catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }
        try { File.WriteAllText("/proc/self/clear_refs", "5"); return true; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }

    public static long PeakRssBytes() => StatusKilobytes("VmHWM:") * 1024;
    public static long RssBytes() => StatusKilobytes("VmRSS:") * 1024;

    private static long StatusKilobytes(string field)
    {
        try
        {
            var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
            return line is null ? -1 : long.Parse(line[field.Length..].Trim().Split(' ')[0]);
        }
        catch (IOException) { return -1; }
    }
}

/// <summary>The yardstick: a plain float32 1024³ matmul, timed next to each phase so both see the same machine load.</summary>
public static class MatmulYardstick
{
    /// <summary>(GFLOP per wall second, GFLOP per process CPU second) over about <paramref name="seconds"/>.</summary>
    public static (double Wall, double Cpu) Measure(double seconds = 1.0, int n = 1024)
    {
        using var scope = torch.NewDisposeScope();
        var a = torch.randn(n, n);
        var b = torch.randn(n, n);
        { using var _ = torch.matmul(a, b); } // warm-up
        int reps = 0;
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpu0 = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < seconds || reps < 3)
        {
            using var _ = torch.matmul(a, b);
            reps++;
        }
        double wall = clock.Elapsed.TotalSeconds;
        process.Refresh();
        double cpu = (process.TotalProcessorTime - cpu0).TotalSeconds;
        double gflop = 2.0 * n * n * n * reps / 1e9;
        return (gflop / wall, gflop / Math.Max(cpu, 1e-9));
    }
}
