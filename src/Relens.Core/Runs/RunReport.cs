using Relens.Evaluation.Records;
using Relens.Models;
using Relens.Relations;
using Relens.Reporting;
using Relens.Tokenization;

namespace Relens.Runs;

/// <summary>
/// Writes summary.json, summary.csv and report.html of a run folder from its sweep records. Shared by
/// `relens run` (at the end) and `relens report` (re-rendering later, possibly without the model).
/// </summary>
public static class RunReport
{
    public sealed record Result(RunSummary Summary, string ReportPath, IReadOnlyList<string> Notes, int LensExamples);

    /// <param name="tokenizer">Keys objects by first token for the chance baselines; null reuses the chance
    /// values of the folder's existing summary.json (and fails if there is none).</param>
    /// <param name="lm">The run's model, for the lens heat maps; null leaves them out with a note.</param>
    public static Result Write(RunFolder folder, RunInfo info, IReadOnlyList<Relation> relations, IReadOnlyList<SweepRecord> records,
        ITokenizer? tokenizer, LanguageModel? lm, IEnumerable<string>? notes = null)
    {
        var allNotes = new List<string>(notes ?? []);
        var summary = tokenizer is not null
            ? RunSummarizer.Summarize(records, relations, tokenizer, info.Beta)
            : WithPreviousChance(folder, RunSummarizer.Summarize(records, relations, o => o, info.Beta), allNotes);
        folder.SaveSummary(summary);

        var lenses = lm is null ? [] : LensExamples.Compute(lm, folder, summary, records, info.Beta, allNotes);
        var traces = RunTraces.Load(folder, summary.Relations.Select(r => r.Relation), allNotes);
        var editing = Editing.ExperimentFolder.TryLoad(folder.EditingDirectory);
        File.WriteAllText(folder.ReportPath, HtmlReport.Render(new ReportData(info, summary, lenses, allNotes, traces, editing)));
        return new Result(summary, folder.ReportPath, allNotes, lenses.Count);
    }

    /// <summary>Without the tokenizer the first-token chance baselines cannot be recomputed; the previous summary's are reused.</summary>
    private static RunSummary WithPreviousChance(RunFolder folder, RunSummary summary, List<string> notes)
    {
        if (!File.Exists(folder.SummaryPath))
            throw RelensException.InFile(folder.SummaryPath, "missing, and without the model's tokenizer the chance baselines cannot be computed: pass --model DIR");
        var previous = folder.LoadSummary().Relations.ToDictionary(r => r.Relation);
        var missing = summary.Relations.Where(r => !previous.ContainsKey(r.Relation)).Select(r => r.Relation).ToList();
        if (missing.Count > 0)
            throw RelensException.InFile(folder.SummaryPath, $"has no chance baseline for {string.Join(", ", missing)}, and without the model's tokenizer it cannot be computed: pass --model DIR");
        notes.Add("The model's tokenizer was not available: chance baselines are those of the previous summary.json.");
        return summary with
        {
            Relations = summary.Relations.Select(r => r with { Chance = previous[r.Relation].Chance, Majority = previous[r.Relation].Majority }).ToList(),
        };
    }
}
