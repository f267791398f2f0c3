using System.Text.Json;
using Relens.Evaluation.Records;
using Relens.Lre;
using Relens.Models;

namespace Relens.Reporting;

/// <summary>
/// The layout of a `relens run` output folder — the contract between the run, the report and the web viewer:
/// <code>
/// run.json                 settings, model, timings          (RunInfo)
/// results.jsonl            every sweep record, as produced     (SweepRecordStore)
/// results.csv              the same, for pandas/R
/// summary.json             per-relation, per-category summary (RunSummary)
/// summary.csv              one row per relation
/// lres/&lt;stem&gt;.safetensors + .json   each relation's LRE at its causality-best layer (LinearRelationFile)
/// traces/, editing/        `run --trace`, `run --edits`
/// report.html              self-contained report
/// </code>
/// </summary>
public sealed class RunFolder
{
    public RunFolder(string directory) => Directory = Path.GetFullPath(directory);

    public string Directory { get; }
    public string RunInfoPath => Path.Combine(Directory, RunInfo.FileName);
    public string ResultsPath => Path.Combine(Directory, "results.jsonl");
    public string ResultsCsvPath => Path.Combine(Directory, "results.csv");
    public string SummaryPath => Path.Combine(Directory, RunSummary.FileName);
    public string SummaryCsvPath => Path.Combine(Directory, "summary.csv");
    public string LreDirectory => Path.Combine(Directory, "lres");
    public string ReportPath => Path.Combine(Directory, "report.html");

    /// <summary>File-name stem of a relation ("country capital city" → "country_capital_city").</summary>
    public static string Stem(string relation) =>
        string.Concat(relation.Trim().ToLowerInvariant().Select(c => char.IsLetterOrDigit(c) ? c : '_'));

    /// <summary>`relens run --trace`: each relation's causal traces (RELATION.trace.json, the layout of `relens trace`).</summary>
    public string TraceDirectory => Path.Combine(Directory, "traces");
    public string TracePath(string relation) => Path.Combine(TraceDirectory, Stem(relation) + ".trace.json");

    /// <summary>`relens run --edits`: the editing experiment's folder (experiment.json, editing.md/html/svg, sets/; Editing.ExperimentFolder).</summary>
    public string EditingDirectory => Path.Combine(Directory, "editing");

    public string LrePrefix(string relation) => Path.Combine(LreDirectory, Stem(relation));

    public bool HasLre(string relation) => File.Exists(LrePrefix(relation) + ".json");

    public IReadOnlyList<string> SavedLres() =>
        System.IO.Directory.Exists(LreDirectory)
            ? System.IO.Directory.EnumerateFiles(LreDirectory, "*.json").Select(p => Path.GetFileNameWithoutExtension(p)!).Order().ToList()
            : [];

    public RunInfo LoadInfo() => RunInfo.Load(Directory);

    public IReadOnlyList<SweepRecord> LoadRecords() => SweepRecordStore.ReadAll(ResultsPath);

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public void SaveSummary(RunSummary summary)
    {
        File.WriteAllText(SummaryPath, JsonSerializer.Serialize(summary, Json));
        using var w = new StreamWriter(SummaryCsvPath);
        w.WriteLine("relation,category,samples,distinct_objects,valid_trials,mean_known,chance,majority,faithfulness_best_layer,causality_best_layer,faithfulness,causality,faithfulness_at_best_layer,best_rank,linear");
        foreach (var r in summary.Relations)
            w.WriteLine(string.Join(",", SweepRecordCsv.Field(r.Relation), r.Category, r.Samples, r.DistinctObjects, r.ValidTrials,
                F(r.MeanKnown), F(r.Chance), F(r.Majority), r.FaithfulnessBestLayer, r.CausalityBestLayer,
                F(r.Faithfulness), F(r.Causality), F(r.FaithfulnessAtBestLayer), F(r.BestRank), r.Linear ? "true" : "false"));
    }

    public RunSummary LoadSummary()
    {
        if (!File.Exists(SummaryPath)) throw RelensException.InFile(SummaryPath, "missing: the run has not been summarised (run `relens report --results DIR`)");
        try { return JsonSerializer.Deserialize<RunSummary>(File.ReadAllText(SummaryPath)) ?? throw new JsonException("empty"); }
        catch (JsonException e) { throw RelensException.InFile(SummaryPath, $"not a valid summary ({e.Message})"); }
    }

    public LinearRelation LoadLre(string relationOrStem, LanguageModel? lm) => LinearRelationFile.Load(Path.Combine(LreDirectory, Stem(relationOrStem)), lm);

    private static string F(double v) => v.ToString("0.####", System.Globalization.CultureInfo.InvariantCulture);
}
