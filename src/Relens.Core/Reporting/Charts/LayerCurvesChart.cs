using Relens.Reporting.Svg;
using static Relens.Reporting.Svg.SummaryValues;

namespace Relens.Reporting.Charts;

/// <summary>
/// Faithfulness (fixed β) and causality (best rank per trial) by layer, one small panel per relation, with the
/// chance line and the causality-best layer marked: where the relation becomes linear and where it stops.
/// </summary>
public static class LayerCurvesChart
{
    private const double PanelWidth = 250, PanelHeight = 170, PlotLeft = 44, PlotTop = 26, PlotWidth = 190, PlotHeight = 100, Header = 60;
    private const int Columns = 4;

    public static string Render(RunSummary summary)
    {
        var shown = summary.Relations.Select((r, i) => (r, i)).Where(x => x.r.Layers.Count > 0).ToList();
        int panelRows = Math.Max(1, (shown.Count + Columns - 1) / Columns);
        var f = new SvgFigure(Columns * PanelWidth + 10, Header + panelRows * PanelHeight, "Faithfulness and causality by layer");
        f.Text(10, 20, "Faithfulness and causality by layer (one panel per relation)", size: 15, weight: "bold");
        Axes.Legend(f, 10, 44, [
            ("faithfulness (recall@1, fixed β)", Palette.Faithfulness, LegendMark.Line),
            ("causality (best rank per trial)", Palette.Causality, LegendMark.Line),
            ("chance Σp(o)²", Palette.Chance, LegendMark.Dash),
            ("causality-best layer", "#bbbbbb", LegendMark.Box)]);
        for (int p = 0; p < shown.Count; p++)
            Panel(f, shown[p].r, shown[p].i, 10 + p % Columns * PanelWidth, Header + p / Columns * PanelHeight);
        return f.ToString();
    }

    private static void Panel(SvgFigure f, RelationSummary r, int index, double left, double top)
    {
        var layers = r.Layers;
        double x0 = left + PlotLeft, y0 = top + PlotTop;
        var x = new LinearScale(0, Math.Max(1, layers.Count - 1), x0, x0 + PlotWidth);
        var y = new LinearScale(0, 1, y0 + PlotHeight, y0);
        f.Group("panel", $"data-relation=\"{SvgFigure.E(r.Relation)}\"");
        f.Text(x0 + PlotWidth / 2, top + 14, r.Relation, "middle", 11, "bold");
        int best = layers.ToList().FindIndex(l => l.Layer == r.CausalityBestLayer);
        if (best >= 0) f.Rect(x[best] - 4, y0, 8, PlotHeight, "#dddddd", $"causality-best layer {r.CausalityBestLayer}");
        Axes.Y(f, y, x0, x0 + PlotWidth, [0, 0.5, 1], "score", 10);
        int step = Math.Max(1, (int)Math.Ceiling(layers.Count / 8.0));
        var ticks = Enumerable.Range(0, layers.Count).Where(j => j % step == 0 || j == layers.Count - 1).ToList();
        foreach (int j in ticks) f.Text(x[j], y0 + PlotHeight + 13, layers[j].Layer, "middle", 9, fill: Palette.Axis);
        f.Line(x0, y0 + PlotHeight, x0 + PlotWidth, y0 + PlotHeight, Palette.Axis);
        f.Text(x0 + PlotWidth / 2, y0 + PlotHeight + 28, "layer", "middle", 10, fill: Palette.Axis);
        f.Line(x0, y[r.Chance], x0 + PlotWidth, y[r.Chance], Palette.Chance, 1, "4 3",
            $"chance Σp(o)² = {Axes.Value(r.Chance)}", Of(Pointer("relations", index, "chance"), r.Chance), "chance");
        Series(f, x, y, r, index, "faithfulness", Palette.Faithfulness, l => l.Faithfulness);
        Series(f, x, y, r, index, "causality", Palette.Causality, l => l.Causality);
        f.EndGroup();
    }

    private static void Series(SvgFigure f, LinearScale x, LinearScale y, RelationSummary r, int index, string metric, string color, Func<LayerSummary, double> value)
    {
        var layers = r.Layers;
        f.Polyline(layers.Select((l, j) => (x[j], y[value(l)])), color, 1.8, tooltip: $"{r.Relation}: {metric} by layer");
        for (int j = 0; j < layers.Count; j++)
            f.Circle(x[j], y[value(layers[j])], 2.6, color, $"{r.Relation}, layer {layers[j].Layer}: {metric} {Axes.Value(value(layers[j]))}",
                Of(Pointer("relations", index, "layers", j, metric), value(layers[j])), cssClass: "layer-point");
    }
}
