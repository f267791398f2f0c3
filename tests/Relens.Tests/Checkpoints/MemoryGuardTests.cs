using System.Diagnostics;
using System.Text.Json;
using Relens.Checkpoints;
using static TorchSharp.torch;

namespace Relens.Tests.Checkpoints;

[Trait(TestCategories.Name, TestCategories.Golden)]
public class MemoryGuardTests
{
    private const long GiB = 1L << 30;

    /// <summary>
    /// A 70e9-parameter F16 checkpoint made of real headers over sparse data areas (SetLength allocates no
    /// disk), so every header validates. Loading it must be refused from the headers alone, fast.
    /// </summary>
    [Fact]
    public void Fake70BCheckpointIsRefusedQuicklyWithNeededAndAvailable()
    {
        const int shards = 10, tensorsPerShard = 7;
        long[] shape = [100_000, 10_000]; // 1e9 parameters per tensor
        long tensorBytes = shape[0] * shape[1] * 2;
        string dir = TestPaths.NewTempDir("fake70b");
        try
        {
            var weightMap = new Dictionary<string, string>();
            for (int s = 0; s < shards; s++)
            {
                string file = $"model-{s + 1:D5}-of-{shards:D5}.safetensors";
                var header = new Dictionary<string, object>();
                for (int t = 0; t < tensorsPerShard; t++)
                {
                    string name = $"model.layers.{s * tensorsPerShard + t}.weight";
                    header[name] = new { dtype = "F16", shape, data_offsets = new[] { t * tensorBytes, (t + 1) * tensorBytes } };
                    weightMap[name] = file;
                }
                var json = JsonSerializer.SerializeToUtf8Bytes(header);
                using var f = File.Create(Path.Combine(dir, file));
                f.Write(BitConverter.GetBytes((ulong)json.Length));
                f.Write(json);
                f.SetLength(8 + json.Length + tensorsPerShard * tensorBytes);
            }
            File.WriteAllBytes(Path.Combine(dir, CheckpointLoader.IndexFileName), JsonSerializer.SerializeToUtf8Bytes(new { weight_map = weightMap }));

            long needed;
            using (var checkpoint = CheckpointLoader.Open(dir))
            {
                Assert.Equal(70_000_000_000L, checkpoint.TensorNames.Sum(n => checkpoint.Entry(n).ElementCount));
                needed = CheckpointLoader.EstimateLoadBytes(checkpoint, ScalarType.Float16);
                Assert.True(needed >= 140_000_000_000L);
            }
            Assert.True(needed > MemoryGuard.AvailableBytes(), "this machine could actually load 140 GB; the test proves nothing here");

            long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            var clock = Stopwatch.StartNew();
            var e = Assert.Throws<RelensException>(() => CheckpointLoader.OpenForLoading(dir, ScalarType.Float16));
            clock.Stop();
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"took {clock.Elapsed}");
            Assert.True(GC.GetAllocatedBytesForCurrentThread() - allocatedBefore < 50_000_000);
            Assert.Contains(dir, e.Message);
            Assert.Contains($"needs {MemoryGuard.Gib(needed)} of memory but only", e.Message);
            Assert.Contains("GiB is available", e.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true); // 140 GB of apparent size: do not leave it around
        }
    }

    [Fact]
    public void SmallCheckpointFitsAndOpens()
    {
        using var checkpoint = CheckpointLoader.OpenForLoading(TestPaths.Golden("gpt2-tiny"), ScalarType.Float32);
        long sum = checkpoint.TensorNames.Sum(n => checkpoint.Entry(n).ElementCount * 4);
        long largest = checkpoint.TensorNames.Max(n => checkpoint.Entry(n).ByteSize);
        Assert.Equal(sum + largest + (long)(sum * CheckpointLoader.LoadMarginFraction), CheckpointLoader.EstimateLoadBytes(checkpoint, ScalarType.Float32));
        Assert.True(CheckpointLoader.EstimateLoadBytes(checkpoint, ScalarType.BFloat16) < CheckpointLoader.EstimateLoadBytes(checkpoint, ScalarType.Float32));
    }

    /// <summary>Writes fake /proc and /sys files; returns (meminfo, self cgroup, cgroup root).</summary>
    private static (string, string, string) FakeKernel(long memAvailable, string selfCgroup, params (string File, string Text)[] cgroupFiles)
    {
        string root = TestPaths.NewTempDir("fake-kernel");
        string meminfo = Path.Combine(root, "meminfo"), self = Path.Combine(root, "self-cgroup"), sys = Path.Combine(root, "sys");
        File.WriteAllText(meminfo, $"MemTotal:       99999999 kB\nMemFree:  1 kB\nMemAvailable:   {memAvailable / 1024} kB\n");
        File.WriteAllText(self, selfCgroup);
        foreach (var (file, text) in cgroupFiles)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(sys, file))!);
            File.WriteAllText(Path.Combine(sys, file), text);
        }
        return (meminfo, self, sys);
    }

    [Fact]
    public void CgroupV2LimitBelowMemAvailableWins()
    {
        var (meminfo, self, sys) = FakeKernel(8 * GiB, "0::/a/b\n",
            ("a/b/memory.max", $"{4 * GiB}\n"), ("a/b/memory.current", $"{3 * GiB}\n"),
            ("a/b/memory.stat", $"anon 1\ninactive_file {GiB}\nactive_file 5\n"), ("a/memory.max", "max\n"));
        var snapshot = MemoryGuard.Read(meminfo, self, sys);
        Assert.Equal(8 * GiB, snapshot.MemAvailableBytes);
        Assert.Equal(2 * GiB, snapshot.AvailableBytes); // 4 limit − (3 used − 1 reclaimable)

        MemoryGuard.EnsureFits(GiB, "one", snapshot);
        var e = Assert.Throws<RelensException>(() => MemoryGuard.EnsureFits(3 * GiB, "/models/x: loading", snapshot));
        Assert.StartsWith("/models/x: loading needs 3.0 GiB of memory but only 2.0 GiB is available", e.Message);
        Assert.Contains("cgroup limit 4.0 GiB", e.Message);
    }

    [Fact]
    public void CgroupV1AncestorLimitBindsAndUnlimitedIsIgnored()
    {
        const string unlimited = "9223372036854771712";
        var (meminfo, self, sys) = FakeKernel(8 * GiB, "5:cpu:/\n4:memory:/job/1\n0::/\n",
            ("memory/job/1/memory.limit_in_bytes", unlimited), ("memory/job/1/memory.usage_in_bytes", "0"),
            ("memory/job/memory.limit_in_bytes", $"{6 * GiB}"), ("memory/job/memory.usage_in_bytes", $"{GiB}"),
            ("memory/memory.limit_in_bytes", unlimited));
        Assert.Equal(5 * GiB, MemoryGuard.Read(meminfo, self, sys).AvailableBytes);
    }

    [Fact]
    public void WithoutACgroupLimitMemAvailableCounts()
    {
        var (meminfo, self, sys) = FakeKernel(3 * GiB, "0::/\n", ("memory.max", "max\n"));
        var snapshot = MemoryGuard.Read(meminfo, self, sys);
        Assert.Null(snapshot.CgroupAvailableBytes);
        Assert.Equal(3 * GiB, snapshot.AvailableBytes);
    }

    [Fact]
    public void ThisMachineReportsMemory()
    {
        var snapshot = MemoryGuard.Read();
        if (OperatingSystem.IsLinux()) Assert.NotNull(snapshot.MemAvailableBytes);
        Assert.True(snapshot.AvailableBytes > 0);
    }
}
