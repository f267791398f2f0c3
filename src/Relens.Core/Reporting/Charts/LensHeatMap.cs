using System.Globalization;
using Relens.Lens;
using Relens.Relations;
using Relens.Reporting.Svg;

namespace Relens.Reporting.Charts;

/// <summary>
/// The attribute-lens heat map (LRE-METHOD §7): rows are layers (last at the top), columns prompt tokens,
/// each cell the top-1 token the operator decodes there, coloured by its probability; cells whose top-1
/// is a prefix of the expected object are bold and boxed. Long prompts show their last columns.
/// </summary>
public static class LensHeatMap
{
    // 15 columns fit the report's 1100-pixel page
    private const double CellWidth = 60, CellHeight = 22, Left = 60, Top = 76, Bottom = 84, LegendWidth = 90;

    /// <summary>The columns shown: the last <paramref name="maxColumns"/> tokens.</summary>
    public static int FirstColumn(LensResult lens, int maxColumns) => Math.Max(0, lens.Tokens.Length - maxColumns);

    /// <summary>The rows shown, top to bottom: every layer if few, else every k-th and the last (as the paper's figure).</summary>
    public static IReadOnlyList<int> Rows(LensResult lens, int maxRows)
    {
        int n = lens.Layers.Length;
        int step = Math.Max(1, (int)Math.Ceiling(n / (double)maxRows));
        return Enumerable.Range(0, n).Where(r => r % step == 0 || r == n - 1).Reverse().ToList();
    }

    /// <summary>The report's heat map of one relation's lens example.</summary>
    public static string Render(LensExample example, int maxColumns = 15, int maxRows = 30) =>
        Render(example.Lens,
            $"Attribute lens — {example.Relation}: its LRE (layer {example.LreLayer}, β = {example.Beta.ToString("0.###", CultureInfo.InvariantCulture)}) applied to every layer's state",
            $"subject “{example.Subject}”, expected object “{example.Object}”" + (example.LmAnswer is { } a ? $", the LM answers “{a.Trim()}”" : ""),
            example.Object, maxColumns, maxRows);

    /// <param name="expected">Cells whose top-1 token is a prefix of it are bold and boxed; null for none.</param>
    public static string Render(LensResult lens, string title, string subtitle, string? expected, int maxColumns = 20, int maxRows = 30)
    {
        int first = FirstColumn(lens, maxColumns);
        var rows = Rows(lens, maxRows);
        int columns = lens.Tokens.Length - first;
        double width = Left + columns * CellWidth + LegendWidth, height = Top + rows.Count * CellHeight + Bottom;
        var f = new SvgFigure(Math.Max(width, 600), height, title, "lens");
        f.Text(10, 20, title, size: 14, weight: "bold");
        f.Text(10, 40, subtitle, size: 12);
        string boxed = expected is null ? "" : "; bold boxed cells: top-1 is a prefix of the expected object";
        f.Text(10, 58, (first > 0 ? $"showing the last {columns} of {lens.Tokens.Length} prompt tokens" : $"{lens.Tokens.Length} prompt tokens") + boxed,
            size: 11, fill: Palette.Axis);
        for (int ri = 0; ri < rows.Count; ri++)
        {
            int r = rows[ri];
            double y = Top + ri * CellHeight;
            f.Text(Left - 6, y + 15, lens.Layers[r], "end", 10, fill: Palette.Axis);
            for (int c = first; c < lens.Tokens.Length; c++)
            {
                var cell = lens.Cells[r][c];
                double x = Left + (c - first) * CellWidth;
                var rgb = Palette.ProbabilityRgb(cell.Probabilities[0]);
                bool hit = expected is not null && PrefixMatch.IsNontrivialPrefix(cell.Tokens[0], expected);
                string tip = $"layer {lens.Layers[r]}, token {c} {Show(lens.Tokens[c])}: " +
                    string.Join(", ", cell.Tokens.Zip(cell.Probabilities, (t, p) => $"{Show(t)} {p.ToString("0.000", CultureInfo.InvariantCulture)}"));
                string data = $"data-layer=\"{SvgFigure.E(lens.Layers[r])}\" data-col=\"{c}\" data-top1=\"{SvgFigure.E(cell.Tokens[0])}\" " +
                              $"data-p=\"{cell.Probabilities[0].ToString("R", CultureInfo.InvariantCulture)}\"";
                f.Rect(x, y, CellWidth - 1, CellHeight - 1, Palette.ProbabilityHex(cell.Probabilities[0]), tip,
                    stroke: hit ? "#ff2d55" : null, strokeWidth: 2, cssClass: "lens-cell", extra: data);
                f.Text(x + CellWidth / 2, y + 15, Clip(Show(cell.Tokens[0]), 9), "middle", 10, hit ? "bold" : null, Palette.IsLight(rgb) ? "#000" : "#fff");
            }
        }
        double gridBottom = Top + rows.Count * CellHeight;
        for (int c = first; c < lens.Tokens.Length; c++)
        {
            double x = Left + (c - first) * CellWidth + CellWidth / 2;
            f.Text(x, gridBottom + 12, Clip(Show(lens.Tokens[c]), 12), "end", 10, rotate: -35, fill: Palette.Axis);
        }
        f.Text(Left + columns * CellWidth / 2, height - 12, "prompt token (input position)", "middle", 11, fill: Palette.Axis);
        f.Text(16, Top + rows.Count * CellHeight / 2, YLabel(rows.Count * CellHeight), "middle", 11, rotate: -90, fill: Palette.Axis);
        ColourBar(f, Left + columns * CellWidth + 20, Top, Math.Max(100, rows.Count * CellHeight));
        return f.ToString();
    }

    private static void ColourBar(SvgFigure f, double x, double top, double height)
    {
        const int steps = 20;
        for (int i = 0; i < steps; i++)
        {
            double p = (i + 0.5) / steps;
            f.Rect(x, top + height - (i + 1) * height / steps, 14, height / steps + 0.5, Palette.ProbabilityHex(p));
        }
        foreach (var t in new[] { 0.0, 0.5, 1.0 })
            f.Text(x + 18, top + height - t * height + 4, Axes.Tick(t), size: 9, fill: Palette.Axis);
        f.Text(x + 50, top + height / 2, "p(top-1 token)", "middle", 10, rotate: 90, fill: Palette.Axis);
    }

    /// <summary>The y-axis label: a short grid has no room beside it for the long one.</summary>
    public static string YLabel(double gridHeight) => gridHeight >= 170 ? "layer of the decoded state" : "layer";

    /// <summary>Tokens with their white space made visible (a leading space matters in BPE).</summary>
    public static string Show(string token) => token.Replace("\n", "\\n").Replace("\t", "\\t").Replace(' ', '·');

    private static string Clip(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "…";
}
