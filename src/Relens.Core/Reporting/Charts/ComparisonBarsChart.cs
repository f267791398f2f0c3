using Relens.Reporting.Svg;

namespace Relens.Reporting.Charts;

/// <summary>
/// `relens compare`'s figure: per relation, faithfulness and causality of run A and run B as paired bars (A solid,
/// B lighter, right below it), each at its own run's causality-best layer, with the F = 0.6 threshold dashed.
/// </summary>
public static class ComparisonBarsChart
{
    private const double Left = 250, PlotWidth = 420, Right = 170, RowHeight = 40, Top = 88;
    private const string LighterB = "fill-opacity=\"0.45\"";

    public static string Render(RunComparison c)
    {
        var rows = c.Relations;
        double plotHeight = Math.Max(1, rows.Count) * RowHeight;
        var f = new SvgFigure(Left + PlotWidth + Right, Top + plotHeight + 50, "Faithfulness and causality per relation, run A against run B");
        f.Text(10, 20, "Faithfulness and causality per relation: A against B (each at its causality-best layer)", size: 15, weight: "bold");
        Axes.Legend(f, 10, 44, [
            ($"F, A: {RunComparison.Label(c.InfoA)}", Palette.Faithfulness, LegendMark.Box),
            ($"C, A", Palette.Causality, LegendMark.Box),
            ("linear threshold F = 0.6", Palette.Threshold, LegendMark.Dash)]);
        f.Text(10, 44 + Axes.LegendLineHeight + 4, $"lighter bars: B = {RunComparison.Label(c.InfoB)}", size: 11, fill: Palette.Axis);
        var x = new LinearScale(0, 1, Left, Left + PlotWidth);
        double bottom = Top + plotHeight;
        Axes.X(f, x, bottom, Top, Axes.UnitTicks, "score (fraction of LM-known test facts)");
        for (int i = 0; i < rows.Count; i++)
        {
            var r = rows[i];
            double top = Top + i * RowHeight;
            string layers = r.LayerA == r.LayerB ? r.LayerA ?? "–" : $"{r.LayerA ?? "–"} → {r.LayerB ?? "–"}";
            f.Text(Left - 8, top + 16, r.Relation, "end", 11);
            f.Text(Left - 8, top + 29, $"layer {layers}", "end", 9, fill: Palette.Axis);
            Bar(f, x, top + 3, r.FaithfulnessA, Palette.Faithfulness, $"{r.Relation}: faithfulness A {V(r.FaithfulnessA)}", null);
            Bar(f, x, top + 11, r.FaithfulnessB, Palette.Faithfulness, $"{r.Relation}: faithfulness B {V(r.FaithfulnessB)}", LighterB);
            Bar(f, x, top + 20, r.CausalityA, Palette.Causality, $"{r.Relation}: causality A {V(r.CausalityA)}", null);
            Bar(f, x, top + 28, r.CausalityB, Palette.Causality, $"{r.Relation}: causality B {V(r.CausalityB)}", LighterB);
            string right = r.Note ?? $"ΔF {D(r.DeltaFaithfulness)}  ΔC {D(r.DeltaCausality)}  cos W {V(r.Cosine)}";
            f.Text(Left + PlotWidth + 6, top + 20, right, size: 10, fill: Palette.Axis);
        }
        f.Line(x[0.6], Top, x[0.6], bottom, Palette.Threshold, 1.2, "5 4");
        return f.ToString();
    }

    private static void Bar(SvgFigure f, LinearScale x, double y, double? value, string color, string tooltip, string? extra)
    {
        if (value is not { } v) return;
        f.Rect(x[0], y, x[v] - x[0], 7, color, tooltip, extra: extra);
    }

    private static string V(double? v) => v is { } d && double.IsFinite(d) ? Axes.Value(d) : "–";
    private static string D(double? v) => v is { } d ? (d >= 0 ? "+" : "−") + Axes.Value(Math.Abs(d)) : "–";
}
