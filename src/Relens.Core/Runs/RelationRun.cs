using System.Diagnostics;
using Relens.Evaluation.Records;
using Relens.Models;
using Relens.Relations;
using Relens.Reporting;
using Relens.Sweeps;

namespace Relens.Runs;

/// <summary>What a run did in this session.</summary>
/// <param name="UnitsComputed">(trial × layer) units computed now; a resumed run skips the finished ones.</param>
public sealed record RunResult(RunSummary Summary, RunInfo Info, int UnitsComputed, string ReportPath, IReadOnlyList<string> Notes)
{
    /// <summary>Relations that could not be run (broken files, errors while sweeping); the run did the others.</summary>
    public IReadOnlyList<FailedRelation> Failed => Info.FailedRelations;
}

/// <summary>
/// `relens run` behind the CLI: the paper's protocol (<see cref="RelationSweep"/>) for each planned relation,
/// appending to results.jsonl as it goes, then each relation's LRE at its causality-best layer, results.csv,
/// summary.json/csv and report.html, with run.json kept current so an interrupted run can be resumed
/// (--resume) without recomputing finished units. Check the plan with <see cref="RunPreflight"/> first.
/// </summary>
public sealed class RelationRun
{
    private readonly LanguageModel _lm;
    private readonly RunPlan _plan;
    private readonly IRunProgress _progress;

    public RelationRun(LanguageModel lm, RunPlan plan, IRunProgress? progress = null)
    {
        _lm = lm;
        _plan = plan;
        _progress = progress ?? SilentProgress.Instance;
    }

    /// <summary>`relens run --trace`: causal traces of each relation's known facts for the report; null = none.</summary>
    public RunTraceSettings? Trace { get; init; }

    /// <summary>`relens run --edits FILE`: the editing experiment on the run's model after the sweeps; null = none.</summary>
    public Editing.RunEditSettings? Edits { get; init; }

    public RunResult Execute()
    {
        var folder = _plan.Folder;
        var settings = _plan.Settings;
        var previous = _plan.Previous;
        var clock = Stopwatch.StartNew();
        var started = DateTime.UtcNow;
        var seconds = new Dictionary<string, double>(previous?.RelationSeconds ?? new Dictionary<string, double>());
        var notes = new List<string>(_plan.Notes);
        var summaryRelations = SummaryRelations(notes);
        var failed = _plan.BrokenFiles.Select(b => new FailedRelation(Path.GetFileNameWithoutExtension(b.Path!), b.Path, b.Message)).ToList();

        RunInfo Info(bool finished) => new()
        {
            ModelDirectory = _lm.Directory,
            ModelIdentity = _lm.Identity,
            ModelType = _lm.ModelType,
            NumLayers = _lm.Model.NumLayers,
            HiddenSize = _lm.Model.HiddenSize,
            Quantization = _lm.Quantization?.Describe(),
            RelationsDirectory = _plan.Dataset.Root,
            Relations = summaryRelations.Select(r => r.Name).ToList(),
            Shots = settings.Shots,
            Trials = Math.Max(settings.Trials, previous?.Trials ?? 0),
            Seed = settings.Seed,
            Beta = settings.Beta,
            Layers = Layers(previous),
            Betas = settings.Betas,
            Ranks = settings.RanksFor(_lm.Model.HiddenSize),
            StartedUtc = previous?.StartedUtc ?? started,
            FinishedUtc = finished ? DateTime.UtcNow : null,
            Seconds = Math.Round((previous?.Seconds ?? 0) + clock.Elapsed.TotalSeconds, 3),
            RelationSeconds = new Dictionary<string, double>(seconds),
            PaperHparams = _plan.PaperModel,
            FailedRelations = failed.ToList(),
        };

        Directory.CreateDirectory(folder.Directory);
        Info(false).Save(folder.Directory);
        int units = 0;
        IReadOnlyList<SweepRecord> records;
        using (var store = SweepRecordStore.Open(folder.ResultsPath))
        {
            if (store.DroppedTornLine) notes.Add("results.jsonl ended in a line torn by an interruption; it was dropped and recomputed.");
            foreach (var b in _plan.BrokenFiles) _progress.Stage($"error: {b.Message} (this relation is left out; the run goes on)");
            var pending = _plan.Relations.Select(r => Runnable(r) ? Sweep(store, r, null).PendingUnits(r) : 0).ToList();
            ReportResume(pending);
            _progress.RunStarted(_plan.Relations, pending);
            for (int i = 0; i < _plan.Relations.Count; i++)
            {
                var relation = _plan.Relations[i];
                var relationSettings = _plan.SettingsFor(relation);
                var relationClock = Stopwatch.StartNew();
                _progress.RelationStarted(relation, i, pending[i]);
                RelationRecords.Write(store, relation, _plan, relationSettings);
                foreach (var skipped in _plan.SkippedSamples.GetValueOrDefault(relation.Name) ?? [])
                    _progress.Stage($"{relation.Name}: sample '{skipped.Subject}' skipped: {skipped.Reason}");
                try
                {
                    if (Runnable(relation))
                    {
                        var sweep = Sweep(store, relation, r =>
                        {
                            if (r.Metric == SweepMetrics.UnitDone) units++;
                            else if (r.Metric == SweepMetrics.TrialSkipped)
                                _progress.TrialSkipped(relation, r.Trial, (int)r.Value,
                                    store.TryGet(new SweepKey(relation.Name, r.Trial, null, SweepMetrics.TestCount), out var t) ? (int)t.Value : -1);
                        });
                        sweep.Run(relation, () => _progress.UnitFinished(relation));
                    }
                    var relationRecords = store.Records.Where(r => r.Relation == relation.Name).ToList();
                    var summary = RunSummarizer.Summarize(relationRecords, [relation], _lm.Tokenizer, relationSettings.Beta).Relations[0];
                    LreExport.Ensure(_lm, relationSettings, relation, summary, relationRecords, folder, _progress.Stage);
                    seconds[relation.Name] = Math.Round(seconds.GetValueOrDefault(relation.Name) + relationClock.Elapsed.TotalSeconds, 3);
                    _progress.RelationFinished(relation, summary, relationClock.Elapsed.TotalSeconds);
                }
                catch (RelensException e)
                {
                    // one relation's problem (an odd file, a prompt no check foresaw) must not cost the others' hours
                    failed.Add(new FailedRelation(relation.Name, relation.SourceFile, e.Message));
                    _progress.Stage($"error: relation '{relation.Name}': {e.Message} (the run goes on)");
                }
                Info(false).Save(folder.Directory);
            }
            records = store.Records;
            store.ExportCsv(folder.ResultsCsvPath);
        }

        if (Trace is { } trace)
        {
            var traced = _plan.Relations.Where(r => Runnable(r) && failed.All(f => f.Relation != r.Name)).ToList();
            notes.AddRange(RunTraces.Write(_lm, _plan, traced, trace, _progress.Stage));
        }
        if (Edits is { } edits) notes.AddRange(Editing.RunEditing.Write(_lm, _plan, records, edits, _progress.Stage));
        _progress.Stage("writing summary.json, summary.csv and report.html");
        var report = RunReport.Write(folder, Info(true), summaryRelations, records, _lm.Tokenizer, _lm, notes);
        var info = Info(true);
        info.Save(folder.Directory);
        return new RunResult(report.Summary, info, units, report.ReportPath, report.Notes);
    }

    private RelationSweep Sweep(SweepRecordStore store, Relation relation, Action<SweepRecord>? stored) =>
        new(_lm, _plan.SettingsFor(relation), store, _progress.Detail) { RecordStored = stored };

    private bool Runnable(Relation relation) => !_plan.NotRunnable.ContainsKey(relation.Name);

    /// <summary>On --resume, says how much of the planned work earlier sessions already did.</summary>
    private void ReportResume(IReadOnlyList<int> pending)
    {
        if (!_plan.Resuming) return;
        int Units(Relation r) => _plan.SettingsFor(r) is var s && Runnable(r) ? s.Trials * (s.Layers?.Count ?? _lm.Model.NumLayers + 1) : 0;
        var total = _plan.Relations.Select(Units).ToList();
        int done = total.Sum() - pending.Sum();
        int complete = _plan.Relations.Where((r, i) => Runnable(r) && pending[i] == 0).Count();
        _progress.Stage($"resuming: {done} of {total.Sum()} units (trial × layer) already done, {complete} of {_plan.Relations.Count} relations complete; "
            + $"{_plan.Previous!.Seconds ?? 0:0} s spent before");
    }

    /// <summary>This session's relations plus those of the run being resumed, in dataset order.</summary>
    private IReadOnlyList<Relation> SummaryRelations(List<string> notes)
    {
        var names = _plan.Relations.Select(r => r.Name).ToHashSet();
        foreach (var name in _plan.Previous?.Relations ?? [])
        {
            if (_plan.Dataset.TryFind(name, out var r)) names.Add(r.Name);
            else notes.Add($"relation '{name}' of the resumed run is not in {_plan.Dataset.Root}; its results are left out of the summary");
        }
        return _plan.Dataset.Relations.Where(r => names.Contains(r.Name)).ToList();
    }

    private IReadOnlyList<string> Layers(RunInfo? previous)
    {
        var now = (_plan.Settings.Layers ?? LayerRef.All(_lm.Model.NumLayers).ToList()).Select(l => l.ToString());
        return now.Concat(previous?.Layers ?? []).Distinct().Select(LayerRef.Parse).OrderBy(l => l.Block ?? -1).Select(l => l.ToString()).ToList();
    }
}
