using Relens.Reporting.Svg;
using static Relens.Reporting.Svg.SummaryValues;

namespace Relens.Reporting.Charts;

/// <summary>The paper's F–C scatter: one point per relation (causality-best layer), coloured by category, with Pearson R.</summary>
public static class FcScatterChart
{
    private const double Left = 70, Top = 96, Size = 380;

    public static string Render(RunSummary summary)
    {
        var categories = summary.Relations.Select(r => r.Category).Distinct().ToList();
        var f = new SvgFigure(Left + Size + 150, Top + Size + 60, "Faithfulness versus causality per relation");   // right margin: point labels
        f.Text(10, 20, "Faithfulness vs causality per relation (causality-best layer)", size: 15, weight: "bold");
        int withResults = summary.Relations.Count(r => r.CausalityBestLayer is not null);
        if (summary.PearsonR is { } pr)
            f.Text(10, 40, $"Pearson R = {Axes.Value(pr)} over {withResults} relations", size: 12, data: Of(Pointer("pearson_r"), pr), cssClass: "pearson");
        else
            f.Text(10, 40, $"Pearson R undefined ({withResults} relations with results; it needs at least 3 and some spread)", size: 12);
        Axes.Legend(f, 10, 62, categories.Select((c, k) => (c, Palette.Series(k), LegendMark.Dot))
            .Append(("F = C", Palette.Threshold, LegendMark.Dash)), Left + Size + 130);

        var x = new LinearScale(0, 1, Left, Left + Size);
        var y = new LinearScale(0, 1, Top + Size, Top);
        Axes.X(f, x, Top + Size, Top, Axes.UnitTicks, "faithfulness (recall@1)");
        Axes.Y(f, y, Left, Left + Size, Axes.UnitTicks, "causality (edit success)");
        f.Line(x[0], y[0], x[1], y[1], Palette.Threshold, 1, "5 4");
        var points = new List<(double X, double Y, string Name)>();
        for (int i = 0; i < summary.Relations.Count; i++)
        {
            var r = summary.Relations[i];
            if (r.CausalityBestLayer is null) continue;
            string color = Palette.Series(categories.IndexOf(r.Category));
            f.Circle(x[r.Faithfulness], y[r.Causality], 5, color,
                $"{r.Relation} ({r.Category}): F {Axes.Value(r.Faithfulness)}, C {Axes.Value(r.Causality)} at layer {r.CausalityBestLayer}",
                Of(Pointer("relations", i, "faithfulness"), r.Faithfulness).Add(Pointer("relations", i, "causality"), r.Causality),
                stroke: "#fff", cssClass: "point");
            points.Add((x[r.Faithfulness], y[r.Causality], r.Relation));
        }
        // names beside the points while few enough to read; a name that would cover another is left to the tooltip
        if (points.Count <= 12)
        {
            var taken = points.Select(p => (p.X - 6, p.Y - 6, 12.0, 12.0)).ToList();
            foreach (var p in points)
                if (FreeSpot(taken, p.X, p.Y, Axes.TextWidth(p.Name, 10)) is { } at)
                    f.Text(at.X, at.Y, p.Name, at.Anchor, 10, fill: Palette.Axis);
        }
        return f.ToString();
    }

    /// <summary>A spot beside the point at (px, py) — right, then left, then lower — where a label of <paramref name="width"/>
    /// covers no point or label in <paramref name="taken"/> (rectangles x, y, w, h), which it then joins.</summary>
    private static (double X, double Y, string Anchor)? FreeSpot(List<(double X, double Y, double W, double H)> taken, double px, double py, double width)
    {
        foreach (double dy in new[] { 4.0, 16, -8, 28 })
            foreach (bool right in new[] { true, false })
            {
                double left = right ? px + 8 : px - 8 - width, top = py + dy - 10;
                if (taken.Any(t => left < t.X + t.W && t.X < left + width && top < t.Y + t.H && t.Y < top + 12)) continue;
                taken.Add((left, top, width, 12));
                return (right ? px + 8 : px - 8, py + dy, right ? "start" : "end");
            }
        return null;
    }
}
