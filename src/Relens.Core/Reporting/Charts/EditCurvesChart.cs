using System.Globalization;
using Relens.Editing;
using Relens.Reporting.Svg;

namespace Relens.Reporting.Charts;

/// <summary>What the editing plot draws on: the report's SVG (<see cref="EditCurvesChart.Svg"/>) or a PNG canvas (Cli/Output).</summary>
public interface IPlotCanvas
{
    void Line(double x1, double y1, double x2, double y2, string colour, double width = 1, bool dashed = false);
    void Dot(double x, double y, double r, string colour);
    void Text(double x, double y, string text, string anchor, double size, string colour = "#222222", bool bold = false, double rotate = 0);
}

/// <summary>
/// The library question as a figure: efficacy, specificity and retention against the number of edits made at once
/// (log scale: 1, 10, 50, 100), one line per arm of the experiment; the efficacy panel also shows the representation
/// edit (dashed), the on-the-fly reference.
/// </summary>
public static class EditCurvesChart
{
    private const double PanelW = 250, PanelH = 190, Left = 50, Top = 70, PlotW = 190, PlotH = 130, LegendH = 24;

    public static (double Width, double Height) Size(IReadOnlyList<ExperimentRow> rows) =>
        (3 * PanelW + 20, Top + PanelH + 30 + LegendH * Arms(rows).Count);

    private static List<string> Arms(IReadOnlyList<ExperimentRow> rows) => rows.Select(r => r.Arm).Distinct().ToList();

    public static void Draw(IReadOnlyList<ExperimentRow> rows, string model, IPlotCanvas c)
    {
        var batches = rows.Where(r => !r.Label.Contains("singles")).ToList();
        var arms = Arms(rows);
        int maxEdits = Math.Max(10, batches.Select(r => r.Edits).DefaultIfEmpty(1).Max());
        double X(double panelLeft, int n) => panelLeft + Left + Math.Log10(n) / Math.Log10(maxEdits) * PlotW;
        double Y(double v) => Top + PlotH - Math.Clamp(v, 0, 1) * PlotH;
        c.Text(10, 22, "Edits at once: efficacy, specificity and retention", "start", 15, bold: true);
        c.Text(10, 42, model, "start", 11, "#555555");
        string[] metrics = ["efficacy", "specificity", "retention"];
        for (int p = 0; p < 3; p++)
        {
            double left = 10 + p * PanelW;
            c.Text(left + Left + PlotW / 2, Top - 10, metrics[p], "middle", 12, bold: true);
            foreach (double t in Axes.UnitTicks)
            {
                c.Line(left + Left, Y(t), left + Left + PlotW, Y(t), Palette.Grid);
                c.Text(left + Left - 6, Y(t) + 4, Axes.Tick(t), "end", 10, Palette.Axis);
            }
            foreach (int n in new[] { 1, 10, 50, 100, 1000 }.Where(n => n <= maxEdits))
                c.Text(X(left, n), Top + PlotH + 16, n.ToString(CultureInfo.InvariantCulture), "middle", 10, Palette.Axis);
            c.Text(left + Left + PlotW / 2, Top + PlotH + 34, "edits at once", "middle", 11, Palette.Axis);
            c.Line(left + Left, Top + PlotH, left + Left + PlotW, Top + PlotH, Palette.Axis);
            c.Line(left + Left, Top, left + Left, Top + PlotH, Palette.Axis);
            for (int a = 0; a < arms.Count; a++)
            {
                var points = batches.Where(r => r.Arm == arms[a]).OrderBy(r => r.Edits)
                    .Select(r => (r.Edits, V: p switch { 0 => r.Efficacy, 1 => r.Specificity, _ => r.Retention }))
                    .Where(x => x.V is { } v && double.IsFinite(v)).Select(x => (X(left, x.Edits), Y(x.V!.Value))).ToList();
                Series(c, points, Palette.Series(a), false);
                if (p == 0)
                {
                    var reference = batches.Where(r => r.Arm == arms[a] && double.IsFinite(r.ReferenceEfficacy)).OrderBy(r => r.Edits)
                        .Select(r => (X(left, r.Edits), Y(r.ReferenceEfficacy))).ToList();
                    Series(c, reference, Palette.Series(a), true);
                }
            }
        }
        double ly = Top + PanelH + 30;
        for (int a = 0; a < arms.Count; a++)
        {
            c.Line(20, ly + a * LegendH - 4, 44, ly + a * LegendH - 4, Palette.Series(a), 2);
            c.Line(50, ly + a * LegendH - 4, 74, ly + a * LegendH - 4, Palette.Series(a), 2, dashed: true);
            c.Text(82, ly + a * LegendH, $"{arms[a]} (dashed: its representation edit, on the fly, efficacy panel)", "start", 11);
        }
    }

    private static void Series(IPlotCanvas c, List<(double X, double Y)> points, string colour, bool dashed)
    {
        for (int i = 1; i < points.Count; i++) c.Line(points[i - 1].X, points[i - 1].Y, points[i].X, points[i].Y, colour, 2, dashed);
        foreach (var (x, y) in points) c.Dot(x, y, dashed ? 2 : 3.5, colour);
    }

    /// <summary>The figure as SVG (for an HTML page).</summary>
    public static string Svg(IReadOnlyList<ExperimentRow> rows, string model)
    {
        var (w, h) = Size(rows);
        var f = new SvgFigure(w, h, "Edits at once: efficacy, specificity and retention");
        Draw(rows, model, new SvgCanvas(f));
        return f.ToString();
    }

    private sealed class SvgCanvas(SvgFigure f) : IPlotCanvas
    {
        public void Line(double x1, double y1, double x2, double y2, string colour, double width = 1, bool dashed = false) =>
            f.Line(x1, y1, x2, y2, colour, width, dashed ? "5 3" : null);
        public void Dot(double x, double y, double r, string colour) => f.Circle(x, y, r, colour);
        public void Text(double x, double y, string text, string anchor, double size, string colour = "#222222", bool bold = false, double rotate = 0) =>
            f.Text(x, y, text, anchor, size, bold ? "bold" : null, colour, rotate == 0 ? null : rotate);
    }
}
