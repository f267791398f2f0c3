namespace Relens.Reporting;

/// <summary>Everything report.html shows. <paramref name="Notes"/> say what is missing and why (e.g. lens skipped).
/// <paramref name="Traces"/>: the relations' averaged causal traces (`relens run --trace`), empty when not traced.
/// <paramref name="Editing"/>: the editing experiment (`relens run --edits`), null when there was none.</summary>
public sealed record ReportData(RunInfo Info, RunSummary Summary, IReadOnlyList<LensExample> Lenses, IReadOnlyList<string> Notes,
    IReadOnlyList<Tracing.SavedRelationTrace>? Traces = null, Relens.Editing.ExperimentResults? Editing = null);
