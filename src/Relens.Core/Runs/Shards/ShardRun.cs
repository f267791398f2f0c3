using System.Diagnostics;
using Relens.Evaluation.Records;
using Relens.Models;
using Relens.Relations;
using Relens.Reporting;
using Relens.Sweeps;

namespace Relens.Runs.Shards;

/// <summary>What one shard did in this session.</summary>
/// <param name="Units">The (relation × trial) units this shard owns.</param>
/// <param name="DoneBefore">Of those, the ones already finished (in this shard's file or the folder's results.jsonl).</param>
/// <param name="LayerUnitsComputed">(trial × layer) units computed now.</param>
public sealed record ShardRunResult(ShardSpec Shard, string Fingerprint, int Units, int DoneBefore, int LayerUnitsComputed, string RecordsPath, double Seconds);

/// <summary>
/// `relens run --shard I/N`: the paper's protocol (<see cref="RelationSweep"/>) on this shard's units only
/// (<see cref="ShardPartition"/>), into the shard's own record file in the run folder, so N shards on N
/// machines never write one file. No summary, LREs or report: `relens merge` makes those from all shards.
/// Units already finished in the folder's results.jsonl (an earlier unsharded run, or a merge) are not redone.
/// </summary>
public sealed class ShardRun(LanguageModel lm, RunPlan plan, ShardSpec shard, bool resume, IRunProgress? progress = null)
{
    private readonly IRunProgress _progress = progress ?? SilentProgress.Instance;

    public ShardRunResult Execute()
    {
        var folder = plan.Folder;
        var settings = plan.Settings;
        var layers = LayerSpec.Names(settings.Layers, lm.Model.NumLayers);
        string fingerprint = RunFingerprint.Compute(lm.Identity, plan.Relations, settings, lm.Model.HiddenSize, layers);
        var units = ShardPartition.Assign(plan.Relations, settings, layers.Count, shard.Count);
        var mine = units.Where(u => u.Shard == shard.Index).Select(u => (u.Relation, u.Trial)).ToHashSet();

        string infoPath = ShardFiles.InfoPath(folder, shard), recordsPath = ShardFiles.RecordsPath(folder, shard);
        ShardInfo? previous = null;
        if (File.Exists(infoPath) || File.Exists(recordsPath))
        {
            if (!resume) throw RelensException.InFile(File.Exists(infoPath) ? infoPath : recordsPath,
                $"shard {shard} already has files here: pass --resume to continue it, or choose another --out");
            if (File.Exists(infoPath))
            {
                previous = ShardInfo.Load(infoPath);
                if (previous.Fingerprint != fingerprint)
                    throw RelensException.InFile(infoPath, $"cannot resume: this shard belongs to another run (fingerprint {previous.Fingerprint}; now {fingerprint}: "
                        + "another model, relations or settings). Resume with the same settings or choose another --out");
            }
        }

        // finished elsewhere: an earlier unsharded run (checked compatible by RunPreflight) or an earlier merge
        var finishedInFolder = plan.Previous is not null && File.Exists(folder.ResultsPath)
            ? UnitCompletion.Finished(SweepRecordStore.ReadAll(folder.ResultsPath), layers) : [];

        var clock = Stopwatch.StartNew();
        var started = DateTime.UtcNow;
        var seconds = new Dictionary<string, double>(previous?.Run.RelationSeconds ?? new Dictionary<string, double>());
        ShardInfo Info(bool finished) => new()
        {
            Fingerprint = fingerprint, Shard = shard.Index, Shards = shard.Count, Host = Environment.MachineName,
            Run = new RunInfo
            {
                ModelDirectory = lm.Directory, ModelIdentity = lm.Identity, ModelType = lm.ModelType,
                NumLayers = lm.Model.NumLayers, HiddenSize = lm.Model.HiddenSize,
                RelationsDirectory = plan.Dataset.Root, Relations = plan.Relations.Select(r => r.Name).ToList(),
                Shots = settings.Shots, Trials = settings.Trials, Seed = settings.Seed, Beta = settings.Beta,
                Layers = layers, Betas = settings.Betas, Ranks = settings.RanksFor(lm.Model.HiddenSize),
                StartedUtc = previous?.Run.StartedUtc ?? started, FinishedUtc = finished ? DateTime.UtcNow : null,
                Seconds = Math.Round((previous?.Run.Seconds ?? 0) + clock.Elapsed.TotalSeconds, 3),
                RelationSeconds = new Dictionary<string, double>(seconds),
            },
            Units = units.Select(u => new ShardUnit(u.Relation, u.Trial, u.Shard, u.Cost)).ToList(),
        };

        Directory.CreateDirectory(ShardFiles.Folder(folder));
        Info(false).Save(infoPath);
        int computed = 0, doneBefore;
        using (var store = SweepRecordStore.Open(recordsPath))
        {
            var finishedHere = UnitCompletion.Finished(store.Records, layers);
            doneBefore = mine.Count(u => finishedInFolder.Contains(u) || finishedHere.Contains(u));
            bool Selected(Relation r, int trial) => mine.Contains((r.Name, trial)) && !finishedInFolder.Contains((r.Name, trial));
            var relations = plan.Relations.Where(r => Enumerable.Range(0, settings.Trials).Any(t => Selected(r, t))).ToList();
            RelationSweep Sweep(Action<SweepRecord>? stored) =>
                new(lm, settings, store, _progress.Detail) { RecordStored = stored, TrialSelected = Selected };

            var pending = relations.Select(r => Sweep(null).PendingUnits(r)).ToList();
            _progress.RunStarted(relations, pending);
            for (int i = 0; i < relations.Count; i++)
            {
                var relation = relations[i];
                var relationClock = Stopwatch.StartNew();
                _progress.RelationStarted(relation, i, pending[i]);
                // the relation's own records (settings, skipped samples) go with its trial 0, so the merge takes them once
                if (Selected(relation, 0)) RelationRecords.Write(store, relation, plan, settings);
                if (!plan.NotRunnable.ContainsKey(relation.Name)) Sweep(r =>
                {
                    if (r.Metric == SweepMetrics.UnitDone) computed++;
                    else if (r.Metric == SweepMetrics.TrialSkipped)
                        _progress.TrialSkipped(relation, r.Trial, (int)r.Value,
                            store.TryGet(new SweepKey(relation.Name, r.Trial, null, SweepMetrics.TestCount), out var t) ? (int)t.Value : -1);
                }).Run(relation, () => _progress.UnitFinished(relation));
                seconds[relation.Name] = Math.Round(seconds.GetValueOrDefault(relation.Name) + relationClock.Elapsed.TotalSeconds, 3);
                Info(false).Save(infoPath);
                // this shard's trials only: a partial view, for the progress line
                var summary = RunSummarizer.Summarize(store.Records.Where(r => r.Relation == relation.Name).ToList(), [relation], lm.Tokenizer, settings.Beta).Relations[0];
                _progress.RelationFinished(relation, summary, relationClock.Elapsed.TotalSeconds);
            }
        }
        var info = Info(true);
        info.Save(infoPath);
        return new ShardRunResult(shard, fingerprint, mine.Count, doneBefore, computed, recordsPath, info.Run.Seconds ?? 0);
    }
}
