using Relens.Reporting.Svg;
using static Relens.Reporting.Svg.SummaryValues;

namespace Relens.Reporting.Charts;

/// <summary>
/// The paper's per-relation figure: faithfulness and causality at each relation's causality-best layer
/// (fixed β), grouped by category, with the chance baseline Σp(o)² as a red tick on the faithfulness bar
/// and the linearity threshold F = 0.6 as a dashed line.
/// </summary>
public static class RelationBarsChart
{
    private const double Left = 250, PlotWidth = 460, Right = 90, RowHeight = 26, Top = 70;

    public static string Render(RunSummary summary, double beta)
    {
        var rows = new List<(string? Category, int Index)>();
        foreach (var g in summary.Relations.Select((r, i) => (r, i)).GroupBy(x => x.r.Category))
        {
            rows.Add((g.Key, -1));
            rows.AddRange(g.Select(x => ((string?)null, x.i)));
        }
        double plotHeight = rows.Count * RowHeight;
        var f = new SvgFigure(Left + PlotWidth + Right, Top + plotHeight + 50, "Faithfulness and causality per relation");
        f.Text(10, 20, $"Faithfulness and causality per relation (causality-best layer, β = {beta:0.###})", size: 15, weight: "bold");
        Axes.Legend(f, 10, 44, [
            ("faithfulness (recall@1)", Palette.Faithfulness, LegendMark.Box),
            ("causality (edit success)", Palette.Causality, LegendMark.Box),
            ("chance Σp(o)²", Palette.Chance, LegendMark.Tick),
            ("linear threshold F = 0.6", Palette.Threshold, LegendMark.Dash)]);
        var x = new LinearScale(0, 1, Left, Left + PlotWidth);
        double bottom = Top + plotHeight;
        Axes.X(f, x, bottom, Top, Axes.UnitTicks, "score at the causality-best layer (fraction of LM-known test facts)");
        f.Text(14, Top + plotHeight / 2, "relation (causality-best layer)", "middle", 11, rotate: -90, fill: Palette.Axis);

        for (int row = 0; row < rows.Count; row++)
        {
            double top = Top + row * RowHeight;
            if (rows[row].Category is { } category)
            {
                f.Text(Left - 8, top + 17, category, "end", 12, "bold");
                continue;
            }
            int i = rows[row].Index;
            var r = summary.Relations[i];
            string label = r.CausalityBestLayer is { } l ? $"{r.Relation} ({l})" : r.Relation;
            f.Text(Left - 8, top + 16, label, "end", 11);
            if (r.CausalityBestLayer is null)
            {
                f.Text(Left + 4, top + 16, $"no result: {r.Note ?? "not run"}", size: 10, fill: "#888");
                continue;
            }
            f.Rect(Left, top + 4, x[r.Faithfulness] - Left, 8, Palette.Faithfulness,
                $"{r.Relation}: faithfulness {Axes.Value(r.Faithfulness)} at layer {r.CausalityBestLayer}",
                Of(Pointer("relations", i, "faithfulness"), r.Faithfulness), cssClass: "bar-f");
            f.Rect(Left, top + 13, x[r.Causality] - Left, 8, Palette.Causality,
                $"{r.Relation}: causality {Axes.Value(r.Causality)} at layer {r.CausalityBestLayer}",
                Of(Pointer("relations", i, "causality"), r.Causality), cssClass: "bar-c");
            f.Line(x[r.Chance], top + 1, x[r.Chance], top + 15, Palette.Chance, 2.5,
                tooltip: $"{r.Relation}: chance Σp(o)² = {Axes.Value(r.Chance)}", data: Of(Pointer("relations", i, "chance"), r.Chance), cssClass: "chance");
            f.Text(Left + PlotWidth + 6, top + 16, $"F {Axes.Value(r.Faithfulness)}  C {Axes.Value(r.Causality)}", size: 10, fill: Palette.Axis);
        }
        f.Line(x[0.6], Top, x[0.6], bottom, Palette.Threshold, 1.2, "5 4");
        return f.ToString();
    }
}
