namespace Relens.Reporting;

/// <summary>Everything report.html shows. <paramref name="Notes"/> say what is missing and why (e.g. lens skipped).</summary>
public sealed record ReportData(RunInfo Info, RunSummary Summary, IReadOnlyList<LensExample> Lenses, IReadOnlyList<string> Notes);
