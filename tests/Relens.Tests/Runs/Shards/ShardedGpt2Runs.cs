using Relens.Cli.Commands;
using Relens.Evaluation.Records;
using Relens.Models;
using Relens.Runs.Shards;
using Relens.Sweeps;

namespace Relens.Tests.Runs.Shards;

/// <summary>
/// One unsharded `relens run` on gpt2-tiny (three relations, two trials, two layers, small grids) and the same
/// run computed as N = 1, 2, 3 and 5 shards (each shard by its own RunCommand, as N processes would), left unmerged:
/// the tests copy a shard folder before merging or damaging it.
/// </summary>
public sealed class ShardedGpt2Runs
{
    public const string Collection = "sharded gpt2-tiny runs";

    public static readonly int[] ShardCounts = [1, 2, 3, 5];
    public const int Trials = 2;
    public static readonly string[] Layers = ["emb", "2"];

    public ShardedGpt2Runs()
    {
        Root = TestPaths.NewTempDir("shards");
        RelationsDir = Gpt2TinyRelations.Write(Path.Combine(Root, "relations"));
        Reference = Path.Combine(Root, "unsharded");
        Assert.Equal(0, new RunCommand(null, new StringWriter()).Run(Args(Reference)));
        foreach (int n in ShardCounts)
        {
            string dir = ShardFolder(n);
            for (int i = 0; i < n; i++)
            {
                var shard = new RunCommand(null, new StringWriter());
                Assert.Equal(0, shard.Run([.. Args(dir), "--shard", $"{i}/{n}"]));
                ComputedUnits[(n, i)] = shard.LastShardResult!.LayerUnitsComputed;
            }
        }
    }

    public string Root { get; }
    public string RelationsDir { get; }
    public string Reference { get; }
    public Dictionary<(int N, int I), int> ComputedUnits { get; } = [];

    public string ShardFolder(int n) => Path.Combine(Root, $"shards-{n}");

    public string[] Args(string outDir, params string[] more) =>
        ["--model", Gpt2TinyRelations.Model, "--relations", RelationsDir, "--shots", "1", "--trials", $"{Trials}", "--layers", string.Join(",", Layers),
         "--betas", "2", "--beta", "2", "--ranks", "0,full", "--out", outDir, "--no-progress", .. more];

    /// <summary>A copy of a folder (shards and all) to merge or damage.</summary>
    public static string Copy(string from, string to)
    {
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        return to;
    }

    public static IReadOnlyList<SweepRecord> ShardRecords(string runDir) =>
        Directory.GetFiles(Path.Combine(runDir, ShardFiles.FolderName), "*.jsonl").Order(StringComparer.Ordinal).SelectMany(SweepRecordStore.ReadAll).ToList();

    private static readonly IReadOnlySet<string> Timing = SweepMetrics.Timings;

    /// <summary>A record as compared across runs: everything, but a timing's value (seconds differ run to run).</summary>
    public static string Comparable(SweepRecord r) => Timing.Contains(r.Metric) ? (r with { Value = 0 }).ToString() : r.ToString();
}

/// <summary>One <see cref="ShardedGpt2Runs"/> for every test class that inspects it (it takes a while to compute).</summary>
[CollectionDefinition(ShardedGpt2Runs.Collection)]
public sealed class ShardedGpt2RunsCollection : ICollectionFixture<ShardedGpt2Runs>;
