using Relens.Evaluation.Records;
using Relens.Models;

namespace Relens.Tests.Relations.Records;

/// <summary>
/// A sweep killed after k records and restarted must end with exactly the records of an
/// uninterrupted run: none lost, none duplicated, in the same order.
/// </summary>
public class SweepResumeTests
{
    private sealed class SimulatedKill : Exception;

    /// <summary>A stand-in for the LRE sweep: a grid of keys, each value a pure function of its key,
    /// skipping keys already stored. Throws after producing <paramref name="killAfter"/> records.</summary>
    private static void RunSweep(string path, int? killAfter = null)
    {
        using var store = SweepRecordStore.Open(path);
        int produced = 0;
        foreach (var key in Grid())
        {
            if (store.Has(key)) continue;
            if (produced == killAfter) throw new SimulatedKill();
            store.Append(SweepRecord.For(key, FakeMetric(key)));
            produced++;
        }
    }

    private static IEnumerable<SweepKey> Grid()
    {
        LayerRef[] layers = [LayerRef.Embedding, LayerRef.At(0), LayerRef.At(1), LayerRef.At(2)];
        for (int trial = 0; trial < 3; trial++)
        {
            yield return new SweepKey("toy", trial, null, "n_known");
            foreach (var layer in layers)
            {
                for (int b = 0; b <= 4; b++)
                    for (int k = 1; k <= 3; k++)
                        yield return new SweepKey("toy", trial, layer, $"recall@{k}", Beta: 5.0 * b / 4);
                for (int rank = 0; rank < 24; rank += 8)
                    yield return new SweepKey("toy", trial, layer, "causality@1", Rank: rank);
            }
        }
    }

    // Any deterministic function of the key will do; this one gives values that are not round numbers.
    private static double FakeMetric(SweepKey key) =>
        Math.Sin(key.Trial * 7.1 + (key.Layer?.Block ?? -1) * 3.3 + (key.Beta ?? 0) * 1.7 + (key.Rank ?? 0) * 0.13 + key.Metric.Length);

    private static IReadOnlyList<SweepRecord> Uninterrupted()
    {
        string path = Path.Combine(TestPaths.NewTempDir("resume-ref"), "sweep.jsonl");
        RunSweep(path);
        using var store = SweepRecordStore.Open(path);
        return store.Records;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(37)]
    [InlineData(100)]
    public void ResumedSweepEqualsUninterruptedSweep(int killAfter)
    {
        var expected = Uninterrupted();
        Assert.Equal(Grid().Count(), expected.Count);

        string path = Path.Combine(TestPaths.NewTempDir("resume"), "sweep.jsonl");
        Assert.Throws<SimulatedKill>(() => RunSweep(path, killAfter));
        using (var partial = SweepRecordStore.Open(path)) Assert.Equal(killAfter, partial.Count);
        RunSweep(path);

        using var store = SweepRecordStore.Open(path);
        Assert.Equal(expected, store.Records);
        Assert.Equal(expected.Count, File.ReadAllLines(path).Length);
    }

    [Fact]
    public void ResumeAfterAKillMidWrite()
    {
        var expected = Uninterrupted();
        string path = Path.Combine(TestPaths.NewTempDir("resume-torn"), "sweep.jsonl");
        Assert.Throws<SimulatedKill>(() => RunSweep(path, 50));
        // The kill landed while the 51st line was half written.
        byte[] next = SweepRecordJson.Serialize(expected[50]);
        using (var f = new FileStream(path, FileMode.Append)) f.Write(next, 0, next.Length / 2);

        RunSweep(path);
        RunSweep(path); // a finished sweep restarted adds nothing
        using var store = SweepRecordStore.Open(path);
        Assert.Equal(expected, store.Records);
    }
}
