using System.Globalization;

namespace Relens.Checkpoints;

/// <summary>
/// What the kernel says this process may still allocate: /proc/meminfo's MemAvailable and, when the
/// process is in a memory-limited cgroup, that limit minus what the cgroup already uses (reclaimable
/// page cache excepted). A limited container sees the host's MemAvailable, so both are needed.
/// </summary>
/// <param name="MemAvailableBytes">MemAvailable, or null if /proc/meminfo could not be read.</param>
/// <param name="CgroupAvailableBytes">Tightest cgroup limit − usage along the process's cgroup path, or null if unlimited.</param>
/// <param name="CgroupLimitBytes">The limit that <paramref name="CgroupAvailableBytes"/> came from.</param>
public sealed record MemorySnapshot(long? MemAvailableBytes, long? CgroupAvailableBytes, long? CgroupLimitBytes)
{
    /// <summary>The smaller of the two; when neither is readable (not Linux), what .NET's GC believes it may use.</summary>
    public long AvailableBytes =>
        MemAvailableBytes is null && CgroupAvailableBytes is null ? GC.GetGCMemoryInfo().TotalAvailableMemoryBytes
        : Math.Min(MemAvailableBytes ?? long.MaxValue, CgroupAvailableBytes ?? long.MaxValue);

    public string Describe()
    {
        var parts = new List<string>();
        parts.Add(MemAvailableBytes is { } m ? $"MemAvailable {MemoryGuard.Gib(m)}" : "/proc/meminfo unreadable");
        parts.Add(CgroupAvailableBytes is { } c ? $"cgroup limit {MemoryGuard.Gib(CgroupLimitBytes ?? 0)} with {MemoryGuard.Gib(c)} free" : "no cgroup memory limit");
        return string.Join(", ", parts);
    }
}

/// <summary>Refuses work that would not fit in memory, before it starts, instead of being OOM-killed part way.</summary>
public static class MemoryGuard
{
    /// <summary>Reads the current snapshot from /proc and /sys/fs/cgroup.</summary>
    public static MemorySnapshot Read() => Read("/proc/meminfo", "/proc/self/cgroup", "/sys/fs/cgroup");

    /// <summary>Bytes this process may still allocate (see <see cref="MemorySnapshot"/>).</summary>
    public static long AvailableBytes() => Read().AvailableBytes;

    /// <summary>Throws <see cref="RelensException"/> naming <paramref name="what"/>, the needed and the available GiB if
    /// <paramref name="bytes"/> exceeds what is available.</summary>
    public static void EnsureFits(long bytes, string what) => EnsureFits(bytes, what, Read());

    internal static void EnsureFits(long bytes, string what, MemorySnapshot snapshot)
    {
        long available = snapshot.AvailableBytes;
        if (bytes > available)
            throw new RelensException($"{what} needs {Gib(bytes)} of memory but only {Gib(available)} is available ({snapshot.Describe()})");
    }

    internal static string Gib(long bytes) => (bytes / (double)(1L << 30)).ToString("0.0", CultureInfo.InvariantCulture) + " GiB";

    /// <summary>Reads from explicit paths, so tests can present fake kernels.</summary>
    internal static MemorySnapshot Read(string meminfoPath, string selfCgroupPath, string cgroupRoot)
    {
        long? memAvailable = ReadMemAvailable(meminfoPath);
        long? bestFree = null, bestLimit = null;
        foreach (var (dir, v2) in CgroupDirectories(selfCgroupPath, cgroupRoot))
        {
            if (ReadCgroup(dir, v2) is not { } cgroup) continue;
            var (limit, free) = cgroup;
            if (bestFree is null || free < bestFree) { bestFree = free; bestLimit = limit; }
        }
        return new MemorySnapshot(memAvailable, bestFree, bestLimit);
    }

    private static long? ReadMemAvailable(string meminfoPath)
    {
        foreach (var line in ReadLines(meminfoPath))
        {
            // "MemAvailable:   24226684 kB"
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 2 && fields[0] == "MemAvailable:" && long.TryParse(fields[1], out long kb))
                return kb * 1024;
        }
        return null;
    }

    /// <summary>
    /// The process's memory cgroup and all its ancestors (an ancestor's limit binds too), for the unified
    /// (v2, "0::/path") and the v1 memory controller ("N:memory:/path") hierarchies.
    /// </summary>
    private static IEnumerable<(string Dir, bool V2)> CgroupDirectories(string selfCgroupPath, string cgroupRoot)
    {
        foreach (var line in ReadLines(selfCgroupPath))
        {
            var fields = line.Split(':', 3);
            if (fields.Length != 3) continue;
            bool v2 = fields[0] == "0" && fields[1] == "";
            bool v1 = fields[1].Split(',').Contains("memory");
            if (!v2 && !v1) continue;
            string root = v2 ? cgroupRoot : Path.Combine(cgroupRoot, "memory");
            var parts = fields[2].Split('/', StringSplitOptions.RemoveEmptyEntries);
            for (int depth = parts.Length; depth >= 0; depth--)
                yield return (Path.Combine([root, .. parts[..depth]]), v2);
        }
    }

    /// <summary>Values at or above this are how cgroup v1 spells "unlimited" (page-rounded 2^63 − 1).</summary>
    private const long UnlimitedV1 = 1L << 62;

    /// <summary>(limit, limit − non-reclaimable usage) of one cgroup directory, or null if unlimited or unreadable.</summary>
    private static (long Limit, long Free)? ReadCgroup(string dir, bool v2)
    {
        string limitText = ReadFirstLine(Path.Combine(dir, v2 ? "memory.max" : "memory.limit_in_bytes"))?.Trim() ?? "";
        if (!long.TryParse(limitText, out long limit) || limit >= UnlimitedV1) return null; // "max", absent or v1's huge value
        if (!long.TryParse(ReadFirstLine(Path.Combine(dir, v2 ? "memory.current" : "memory.usage_in_bytes"))?.Trim(), out long usage))
            usage = 0;
        // Usage counts page cache; the inactive part is reclaimed before the OOM killer acts.
        string inactiveKey = v2 ? "inactive_file" : "total_inactive_file";
        foreach (var line in ReadLines(Path.Combine(dir, "memory.stat")))
        {
            var fields = line.Split(' ');
            if (fields.Length == 2 && fields[0] == inactiveKey && long.TryParse(fields[1], out long inactive))
            {
                usage = Math.Max(0, usage - inactive);
                break;
            }
        }
        return (limit, Math.Max(0, limit - usage));
    }

    private static IEnumerable<string> ReadLines(string path)
    {
        try { return File.ReadAllLines(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return []; }
    }

    private static string? ReadFirstLine(string path) => ReadLines(path).FirstOrDefault();
}
