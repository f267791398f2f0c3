using Relens.Evaluation.Records;
using Relens.Models;
using Relens.Relations;
using Relens.Reporting;
using Relens.Sweeps;

namespace Relens.Runs.Shards;

/// <summary>What a merge wrote.</summary>
public sealed record MergeResult(RunSummary Summary, RunInfo Info, int ShardFiles, int Units, int Records, string ReportPath, IReadOnlyList<string> Notes);

/// <summary>
/// `relens merge OUT`: the shards' records (and those of an earlier unsharded run or merge in OUT/results.jsonl)
/// become the run folder of one unsharded run: results.jsonl/.csv, run.json, lres/, summary.json/.csv and
/// report.html, written by the same code as `relens run` (LreExport, RunReport). Each finished (relation, trial)
/// unit is taken whole from one source — results.jsonl first, then the shard files in order — and written in run
/// order, so the records are exactly an unsharded run's, without duplicates, and merging again changes nothing.
/// Shards of another run (other fingerprint) are refused by file; unfinished units are named with their shard,
/// and then nothing is written.
/// </summary>
public static class ShardMerge
{
    public static MergeResult Merge(RunFolder folder, Func<string, LanguageModel> loadModel, string? modelDirectory = null,
        string? relationsDirectory = null, Action<string>? log = null)
    {
        log ??= _ => { };
        if (!Directory.Exists(folder.Directory)) throw RelensException.InFile(folder.Directory, "run folder not found");
        var shards = LoadShards(folder);
        var first = shards[0].Info;
        var run = first.Run;
        var layers = run.Layers;
        var notes = new List<string>();

        using var previousStore = File.Exists(folder.ResultsPath) ? SweepRecordStore.Open(folder.ResultsPath) : null;   // its lock keeps a running `relens run` out
        RunInfo? previousInfo = previousStore is null ? null : CheckPrevious(folder, first);
        var sources = new List<(string Path, IReadOnlyList<SweepRecord> Records)>();
        if (previousStore is not null) sources.Add((folder.ResultsPath, previousStore.Records));
        sources.AddRange(shards.Select(s => (s.RecordsPath, File.Exists(s.RecordsPath) ? SweepRecordStore.ReadAll(s.RecordsPath) : (IReadOnlyList<SweepRecord>)[])));

        var units = first.Units.Select(u => (u.Relation, u.Trial)).ToList();
        var finished = sources.Select(s => UnitCompletion.Finished(s.Records, layers)).ToList();
        var missing = first.Units.Where(u => !finished.Any(f => f.Contains((u.Relation, u.Trial)))).ToList();
        if (missing.Count > 0) throw Missing(folder, first, missing);
        if (previousStore is not null)
        {
            var outside = finished[0].Except(units).ToList();
            if (outside.Count > 0)
                throw RelensException.InFile(folder.ResultsPath, $"holds finished units outside the sharded run ({string.Join(", ", outside.Take(5).Select(u => $"'{u.Item1}' trial {u.Item2}"))}): "
                    + "merging would drop them; merge the shards into another folder");
        }

        // each unit whole from its first finished source, in run order: the record order of an unsharded run
        var records = new List<SweepRecord>();
        int superseded = 0;
        foreach (var unit in units)
        {
            int source = finished.FindIndex(f => f.Contains(unit));
            records.AddRange(sources[source].Records.Where(r => r.Relation == unit.Relation && r.Trial == unit.Trial));
            superseded += sources.Where((_, i) => i < source).Sum(s => s.Records.Count(r => r.Relation == unit.Relation && r.Trial == unit.Trial));
        }
        if (superseded > 0) notes.Add($"{superseded} records of unfinished units in results.jsonl were replaced by the shards' finished units.");

        // the model: for the saved LREs, chance baselines and lens examples, and to check the shards still describe it
        var dataset = RelationDataset.Load(relationsDirectory ?? run.RelationsDirectory);
        using var lm = loadModel(modelDirectory ?? run.ModelDirectory);
        var settings = Settings(run);
        var relations = RunPreflight.TaughtFactsOnly(new RunPlan(folder, dataset, run.Relations.Select(dataset.Find).ToList(), settings, null), lm.Directory).Relations;
        string fingerprint = RunFingerprint.Compute(lm.Identity, relations, settings, lm.Model.HiddenSize, layers);
        if (fingerprint != first.Fingerprint)
            throw RelensException.InFile(shards[0].InfoPath, $"the shards' fingerprint {first.Fingerprint} is not that of {lm.Directory} with the relations of {dataset.Root} ({fingerprint}): "
                + "the model or the relations changed since the shards ran (pass --model/--relations with the ones they used)");

        WriteRecords(folder.ResultsPath, records);
        var info = MergedInfo(run, shards.Select(s => s.Info).ToList(), previousInfo) with { Fingerprint = fingerprint, Shards = shards.Count };
        info.Save(folder.Directory);
        foreach (var relation in relations)
        {
            var relationRecords = records.Where(r => r.Relation == relation.Name).ToList();
            var summary = RunSummarizer.Summarize(relationRecords, [relation], lm.Tokenizer, settings.Beta).Relations[0];
            LreExport.Ensure(lm, settings, relation, summary, relationRecords, folder, log);
        }
        SweepRecordCsv.Write(records, folder.ResultsCsvPath);
        log("writing summary.json, summary.csv and report.html");
        var report = RunReport.Write(folder, info, relations, records, lm.Tokenizer, lm, notes);
        return new MergeResult(report.Summary, info, shards.Count, units.Count, records.Count, report.ReportPath, report.Notes);
    }

    private sealed record Shard(string InfoPath, string RecordsPath, ShardInfo Info);

    /// <summary>Every shard of the folder, all of one run (the fingerprint most of them share), ordered by (N, I).</summary>
    private static List<Shard> LoadShards(RunFolder folder)
    {
        string dir = ShardFiles.Folder(folder);
        var infoFiles = Directory.Exists(dir) ? Directory.GetFiles(dir, "shard-*-of-*.json") : [];
        var recordFiles = Directory.Exists(dir) ? Directory.GetFiles(dir, "shard-*-of-*.jsonl") : [];
        if (infoFiles.Length == 0)
            throw RelensException.InFile(dir, "holds no shard files (shard-I-of-N.json): nothing to merge; run `relens run ... --shard I/N` first");
        foreach (var records in recordFiles)
            if (!File.Exists(Path.ChangeExtension(records, ".json")))
                throw RelensException.InFile(records, "has no shard description beside it (.json with its run's fingerprint), so it cannot be told to belong to this run: remove it or restore the .json");
        var shards = infoFiles.Select(p => new Shard(p, Path.ChangeExtension(p, ".jsonl"), ShardInfo.Load(p))).ToList();
        foreach (var s in shards)
            if (Path.GetFileNameWithoutExtension(s.InfoPath) != $"shard-{s.Info.Shard}-of-{s.Info.Shards}")
                throw RelensException.InFile(s.InfoPath, $"describes shard {s.Info.Shard}/{s.Info.Shards}, not the one its name says");

        var groups = shards.GroupBy(s => s.Info.Fingerprint).OrderByDescending(g => g.Count()).ToList();
        if (groups.Count > 1)
        {
            bool tie = groups[0].Count() == groups[1].Count();
            var foreign = tie ? shards : groups.Skip(1).SelectMany(g => g).ToList();
            string which = string.Join("; ", foreign.Select(s => $"{s.InfoPath} (fingerprint {s.Info.Fingerprint})"));
            throw tie
                ? new RelensException($"the shards in {dir} belong to different runs and none is the majority: {which}. Keep one run's shards per folder")
                : RelensException.InFile(foreign[0].InfoPath, $"belongs to another run than the other shards (fingerprint {groups[0].Key}): {which}. "
                    + "Remove it (another model, relations or settings), or merge it in its own folder");
        }
        return shards.OrderBy(s => s.Info.Shards).ThenBy(s => s.Info.Shard).ToList();
    }

    /// <summary>OUT/run.json of an earlier run must be the same protocol as the shards (as a resume requires).</summary>
    private static RunInfo? CheckPrevious(RunFolder folder, ShardInfo shard)
    {
        if (!File.Exists(folder.RunInfoPath)) throw RelensException.InFile(folder.RunInfoPath, "missing, although results.jsonl is there: cannot tell which run those records belong to");
        var p = folder.LoadInfo();
        var s = shard.Run;
        var differences = new List<string>();
        if (p.Fingerprint is { } f && f != shard.Fingerprint) differences.Add($"the fingerprint ({f}; the shards: {shard.Fingerprint})");
        if (p.ModelIdentity != s.ModelIdentity) differences.Add($"the model (identity {p.ModelIdentity}; the shards: {s.ModelIdentity})");
        if (p.Shots != s.Shots) differences.Add($"--shots ({p.Shots}; the shards: {s.Shots})");
        if (p.Seed != s.Seed) differences.Add($"--seed ({p.Seed}; the shards: {s.Seed})");
        if (p.Beta != s.Beta) differences.Add($"--beta ({p.Beta}; the shards: {s.Beta})");
        if (!p.Betas.SequenceEqual(s.Betas)) differences.Add($"--betas ({string.Join(",", p.Betas)}; the shards: {string.Join(",", s.Betas)})");
        if (!p.Ranks.SequenceEqual(s.Ranks)) differences.Add($"--ranks ({string.Join(",", p.Ranks)}; the shards: {string.Join(",", s.Ranks)})");
        if (differences.Count > 0)
            throw RelensException.InFile(folder.RunInfoPath, $"this folder's earlier run used other settings than the shards: {string.Join(", ", differences)}; merge the shards into another folder");
        return p;
    }

    private static RelensException Missing(RunFolder folder, ShardInfo partition, IReadOnlyList<ShardUnit> missing)
    {
        var byShard = missing.GroupBy(u => u.Shard).OrderBy(g => g.Key)
            .Select(g => $"shard {g.Key}/{partition.Shards}: {string.Join(", ", g.Select(u => $"'{u.Relation}' trial {u.Trial}"))}");
        var shardList = string.Join(",", missing.Select(u => u.Shard).Distinct().Order());
        return RelensException.InFile(folder.Directory, $"{missing.Count} of {partition.Units.Count} units (relation × trial) are not finished — {string.Join("; ", byShard)}. "
            + $"Re-run shard{(shardList.Contains(',') ? "s" : "")} {shardList} with the same options and --shard I/{partition.Shards} --resume, then merge again; nothing was written");
    }

    private static SweepSettings Settings(RunInfo run) => new()
    {
        Shots = run.Shots, Trials = run.Trials, Seed = run.Seed, Beta = run.Beta,
        Layers = run.Layers.Select(LayerRef.Parse).ToList(), Betas = run.Betas.ToArray(), Ranks = run.Ranks.ToArray(),
    };

    /// <summary>run.json of the merged run: the shards' settings, their first start, last finish and summed
    /// seconds (plus an earlier unsharded run's; a merged one's are already the shards').</summary>
    private static RunInfo MergedInfo(RunInfo run, IReadOnlyList<ShardInfo> shards, RunInfo? previous)
    {
        var unsharded = previous is { Fingerprint: null } ? previous : null;
        var runs = shards.Select(s => s.Run).Concat(unsharded is null ? [] : [unsharded]).ToList();
        var seconds = new Dictionary<string, double>();
        foreach (var r in runs)
            foreach (var (name, s) in r.RelationSeconds) seconds[name] = Math.Round(seconds.GetValueOrDefault(name) + s, 3);
        return run with
        {
            StartedUtc = runs.Min(r => r.StartedUtc),
            FinishedUtc = runs.Max(r => r.FinishedUtc),
            Seconds = Math.Round(runs.Sum(r => r.Seconds ?? 0), 3),
            RelationSeconds = seconds,
        };
    }

    /// <summary>A complete new results.jsonl, renamed over the old one, so a failure leaves the old file whole.</summary>
    private static void WriteRecords(string path, IReadOnlyList<SweepRecord> records)
    {
        string temp = path + ".merge-tmp";
        if (File.Exists(temp)) File.Delete(temp);
        using (var store = SweepRecordStore.Open(temp))
            foreach (var r in records) store.Append(r);
        File.Move(temp, path, overwrite: true);
    }
}
