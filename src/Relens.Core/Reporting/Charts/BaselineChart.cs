using Relens.Reporting.Svg;
using static Relens.Reporting.Svg.SummaryValues;

namespace Relens.Reporting.Charts;

/// <summary>
/// The paper's per-category baseline figures: faithfulness of the LRE against Identity (logit lens),
/// Translation and Linear regression at each relation's faithfulness-best layer; causality of the LRE edit
/// against substituting s′, e or o′ at the causality-best layer.
/// </summary>
public static class BaselineChart
{
    public enum Kind { Faithfulness, Causality }

    /// <summary>Method key in summary.json (null = the LRE itself) and its label.</summary>
    public static IReadOnlyList<(string? Key, string Label)> Methods(Kind kind) => kind == Kind.Faithfulness
        ? [(null, "LRE"), ("Identity", "Identity (logit lens)"), ("Translation", "Translation"), ("LinearRegression", "Linear regression")]
        : [(null, "LRE"), ("s'", "s′ (target subject's state)"), ("e", "e (target object's embedding)"), ("o'", "o′ (target's output state)")];

    private const double Left = 70, PlotHeight = 240, BarWidth = 22, GroupGap = 34;

    public static string Render(RunSummary summary, Kind kind)
    {
        var methods = Methods(kind);
        var cats = summary.Categories;
        double groupWidth = methods.Count * BarWidth + GroupGap;
        double plotWidth = Math.Max(240, cats.Count * groupWidth + GroupGap);
        bool faith = kind == Kind.Faithfulness;
        string title = faith ? "Faithfulness baselines by category" : "Causality baselines by category";
        string subtitle = faith ? "recall@1 at each relation's faithfulness-best layer" : "edit success at each relation's causality-best layer";
        double width = Math.Max(Left + plotWidth + 30, 400);
        int legendLines = Axes.LegendLines(methods.Select(m => m.Label), width - 20);
        double top = 70 + legendLines * Axes.LegendLineHeight;
        var f = new SvgFigure(width, top + PlotHeight + 60, title);
        f.Text(10, 20, title, size: 15, weight: "bold");
        f.Text(10, 38, subtitle, size: 11, fill: Palette.Axis);
        Axes.Legend(f, 10, 60, methods.Select((m, k) => (m.Label, Palette.Series(k), LegendMark.Box)), width - 20);
        var y = new LinearScale(0, 1, top + PlotHeight, top);
        Axes.Y(f, y, Left, Left + plotWidth, Axes.UnitTicks, faith ? "faithfulness (recall@1)" : "causality (edit success)");
        f.Line(Left, top + PlotHeight, Left + plotWidth, top + PlotHeight, Palette.Axis);
        f.Text(Left + plotWidth / 2, top + PlotHeight + 44, "category (relations averaged)", "middle", 11, fill: Palette.Axis);
        for (int c = 0; c < cats.Count; c++)
        {
            var cat = cats[c];
            double gx = Left + GroupGap + c * groupWidth;
            f.Text(gx + methods.Count * BarWidth / 2, top + PlotHeight + 16, $"{cat.Category} ({cat.Relations})", "middle", 11);
            for (int m = 0; m < methods.Count; m++)
            {
                var (key, label) = methods[m];
                double bx = gx + m * BarWidth;
                if (!TryValue(cat, kind, key, out double v, out string metric))
                {
                    f.Text(bx + BarWidth / 2, top + PlotHeight - 4, "n/a", "middle", 8, fill: "#999");
                    continue;
                }
                string pointer = key is null ? Pointer("categories", c, metric) : Pointer("categories", c, metric, key);
                f.Rect(bx + 1, y[v], BarWidth - 2, y[0] - y[v], Palette.Series(m), $"{cat.Category}: {label} {Axes.Value(v)}", Of(pointer, v), cssClass: "baseline");
                f.Text(bx + BarWidth / 2, y[v] - 3, Axes.Value(v).TrimStart('0'), "middle", 8, fill: Palette.Axis);
            }
        }
        return f.ToString();
    }

    private static bool TryValue(CategorySummary c, Kind kind, string? key, out double value, out string metric)
    {
        if (kind == Kind.Faithfulness)
        {
            metric = key is null ? "faithfulness" : "faithfulness_baselines";
            if (key is null) { value = c.Faithfulness; return true; }
            return c.FaithfulnessBaselines.TryGetValue(key, out value);
        }
        metric = key is null ? "causality" : "causality_baselines";
        if (key is null) { value = c.Causality; return true; }
        return c.CausalityBaselines.TryGetValue(key, out value);
    }
}
