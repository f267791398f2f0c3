using System.Globalization;
using System.Text;
using Relens.Editing;
using Relens.Reporting.Charts;

namespace Relens.Reporting;

/// <summary>
/// The knowledge-editing experiment in HTML: the plot (<see cref="EditCurvesChart"/>, inline SVG) and the table of
/// <see cref="ExperimentTable"/>'s rows. One rendering for an experiment folder's editing.html and for the "Editing"
/// section of report.html (`relens run --edits`).
/// </summary>
public static class EditingSection
{
    public const string Id = "editing";

    /// <summary>A page of its own (editing.html of `relens edit --experiment` and `--combine`).</summary>
    public static string Page(IReadOnlyList<ExperimentRow> rows, string model) =>
        $"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Knowledge editing: {E(model)}</title><style>{HtmlReport.Css}</style></head><body>"
        + Section(rows, model, null) + "</body></html>\n";

    /// <summary>The section; <paramref name="caption"/> (plain text) says where the edits and the raw results are.</summary>
    public static string Section(IReadOnlyList<ExperimentRow> rows, string model, string? caption)
    {
        var b = new StringBuilder($"<section id=\"{Id}\"><h2>Knowledge editing ({E(model)})</h2>");
        if (caption is not null) b.Append($"<p class=\"caption\">{E(caption)}</p>");
        b.Append($"<div class=\"fig\">{EditCurvesChart.Svg(rows, model)}</div>");
        b.Append("<table class=\"grid\"><tr><th>arm</th><th>edits</th><th>efficacy</th><th>paraphrase</th><th>specificity</th><th>retention</th>"
            + "<th>perplexity before → after</th><th>representation edit efficacy</th><th>edit seconds</th><th>note</th></tr>");
        foreach (var r in rows)
            b.Append($"<tr><td>{E(r.Arm)}</td><td>{E(r.Label)}</td><td>{F(r.Efficacy)}</td><td>{F(r.Paraphrase)}</td><td>{F(r.Specificity)}</td>"
                + $"<td>{F(r.Retention)}</td><td>{F(r.PerplexityBefore, "0.000")} → {F(r.PerplexityAfter, "0.000")}</td><td>{F(r.ReferenceEfficacy)}</td>"
                + $"<td>{F(r.Seconds, "0.0")}</td><td>{E(r.Error ?? "")}</td></tr>");
        return b.Append("</table></section>\n").ToString();
    }

    private static string E(string s) => System.Net.WebUtility.HtmlEncode(s);
    private static string F(double? x, string format = "0.00") => x is { } v && double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "–";
}
