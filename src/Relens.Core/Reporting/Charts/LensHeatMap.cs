using System.Globalization;
using Relens.Lens;
using Relens.Relations;
using Relens.Reporting.Svg;

namespace Relens.Reporting.Charts;

/// <summary>One cell of a lens heat map as the layout places it; <paramref name="Outline"/> is set where the cell's top-1
/// token answers the expected object. Layer, column, top-1 and probability are what the SVG's data attributes carry.</summary>
public sealed record LensCellBox(double X, double Y, double Width, double Height, (byte R, byte G, byte B) Fill,
    (byte R, byte G, byte B)? Outline, double OutlineWidth, string Tooltip, string Layer, int Column, string Top1, float Probability);

/// <summary>Where a lens heat map is drawn: SVG for the report, SkiaSharp for `relens lens --png`; both use
/// <see cref="LensHeatMap"/>'s one layout.</summary>
public interface ILensCanvas : IHeatCanvas
{
    void Cell(LensCellBox cell);
}

/// <summary>
/// The attribute-lens heat map (LRE-METHOD §7): rows are layers (last at the top), columns prompt tokens,
/// each cell the top-1 token the operator decodes there, coloured by its probability; cells whose top-1
/// is a prefix of the expected object are bold and boxed. Long prompts show their last columns.
/// One layout for the report's SVG and the CLI's PNG.
/// </summary>
public static class LensHeatMap
{
    // 15 columns fit the report's 1100-pixel page
    private const double CellWidth = 60, CellHeight = 22, Left = 60, Top = 76, Bottom = 84, LegendWidth = 90, MinWidth = 600;
    private static readonly (byte, byte, byte) Ink = (0x22, 0x22, 0x22), Grey = (0x44, 0x44, 0x44), HitOutline = (0xff, 0x2d, 0x55);

    /// <summary>The columns shown: the last <paramref name="maxColumns"/> tokens.</summary>
    public static int FirstColumn(LensResult lens, int maxColumns) => Math.Max(0, lens.Tokens.Length - maxColumns);

    /// <summary>The rows shown, top to bottom: every layer if few, else every k-th and the last (as the paper's figure).</summary>
    public static IReadOnlyList<int> Rows(LensResult lens, int maxRows)
    {
        int n = lens.Layers.Length;
        int step = Math.Max(1, (int)Math.Ceiling(n / (double)maxRows));
        return Enumerable.Range(0, n).Where(r => r % step == 0 || r == n - 1).Reverse().ToList();
    }

    /// <summary>The figure's size in points.</summary>
    public static (double Width, double Height) Size(LensResult lens, int maxColumns, int maxRows)
    {
        int columns = lens.Tokens.Length - FirstColumn(lens, maxColumns);
        return (Math.Max(MinWidth, Left + columns * CellWidth + LegendWidth), Top + Rows(lens, maxRows).Count * CellHeight + Bottom);
    }

    /// <summary>The report's heat map of one relation's lens example.</summary>
    public static string Render(LensExample example, int maxColumns = 15, int maxRows = 30) =>
        Render(example.Lens,
            $"Attribute lens — {example.Relation}: its LRE (layer {example.LreLayer}, β = {example.Beta.ToString("0.###", CultureInfo.InvariantCulture)}) applied to every layer's state",
            $"subject “{example.Subject}”, expected object “{example.Object}”" + (example.LmAnswer is { } a ? $", the LM answers “{a.Trim()}”" : ""),
            example.Object, maxColumns, maxRows);

    /// <summary>The heat map as SVG.</summary>
    /// <param name="expected">Cells whose top-1 token is a prefix of it are bold and boxed; null for none.</param>
    public static string Render(LensResult lens, string title, string subtitle, string? expected, int maxColumns = 20, int maxRows = 30)
    {
        var (width, height) = Size(lens, maxColumns, maxRows);
        var f = new SvgFigure(width, height, title, "lens");
        Draw(lens, title, subtitle, expected, new SvgCanvas(f), maxColumns, maxRows);
        return f.ToString();
    }

    /// <param name="expected">Cells whose top-1 token is a prefix of it are bold and boxed; null for none.</param>
    public static void Draw(LensResult lens, string title, string subtitle, string? expected, ILensCanvas c, int maxColumns, int maxRows)
    {
        int first = FirstColumn(lens, maxColumns);
        var rows = Rows(lens, maxRows);
        int columns = lens.Tokens.Length - first;
        var (_, height) = Size(lens, maxColumns, maxRows);
        c.Text(10, 20, title, "start", 14, Ink, bold: true);
        c.Text(10, 40, subtitle, "start", 12, Ink);
        string boxed = expected is null ? "" : "; bold boxed cells: top-1 is a prefix of the expected object";
        c.Text(10, 58, (first > 0 ? $"showing the last {columns} of {lens.Tokens.Length} prompt tokens" : $"{lens.Tokens.Length} prompt tokens") + boxed,
            "start", 11, Grey);
        for (int ri = 0; ri < rows.Count; ri++)
        {
            int r = rows[ri];
            double y = Top + ri * CellHeight;
            c.Text(Left - 6, y + 15, lens.Layers[r], "end", 10, Grey);
            for (int col = first; col < lens.Tokens.Length; col++)
            {
                var cell = lens.Cells[r][col];
                double x = Left + (col - first) * CellWidth;
                var rgb = Palette.ProbabilityRgb(cell.Probabilities[0]);
                bool hit = expected is not null && PrefixMatch.IsNontrivialPrefix(cell.Tokens[0], expected);
                string tip = $"layer {lens.Layers[r]}, token {col} {Show(lens.Tokens[col])}: " +
                    string.Join(", ", cell.Tokens.Zip(cell.Probabilities, (t, p) => $"{Show(t)} {p.ToString("0.000", CultureInfo.InvariantCulture)}"));
                c.Cell(new LensCellBox(x, y, CellWidth - 1, CellHeight - 1, rgb, hit ? HitOutline : null, 2, tip,
                    lens.Layers[r], col, cell.Tokens[0], cell.Probabilities[0]));
                c.Text(x + CellWidth / 2, y + 15, Clip(Show(cell.Tokens[0]), 9), "middle", 10,
                    Palette.IsLight(rgb) ? ((byte)0, (byte)0, (byte)0) : ((byte)255, (byte)255, (byte)255), bold: hit);
            }
        }
        double gridBottom = Top + rows.Count * CellHeight;
        for (int col = first; col < lens.Tokens.Length; col++)
            c.Text(Left + (col - first) * CellWidth + CellWidth / 2, gridBottom + 12, Clip(Show(lens.Tokens[col]), 12), "end", 10, Grey, rotate: -35);
        c.Text(Left + columns * CellWidth / 2, height - 12, "prompt token (input position)", "middle", 11, Grey);
        c.Text(16, Top + rows.Count * CellHeight / 2, YLabel(rows.Count * CellHeight), "middle", 11, Grey, rotate: -90);
        ColourBar(c, Left + columns * CellWidth + 20, Top, Math.Max(100, rows.Count * CellHeight));
    }

    private static void ColourBar(ILensCanvas c, double x, double top, double height)
    {
        const int steps = 20;
        for (int i = 0; i < steps; i++)
        {
            double p = (i + 0.5) / steps;
            c.Rect(x, top + height - (i + 1) * height / steps, 14, height / steps + 0.5, Palette.ProbabilityRgb(p));
        }
        foreach (var t in new[] { 0.0, 0.5, 1.0 })
            c.Text(x + 18, top + height - t * height + 4, Axes.Tick(t), "start", 9, Grey);
        c.Text(x + 50, top + height / 2, "p(top-1 token)", "middle", 10, Grey, rotate: 90);
    }

    private sealed class SvgCanvas(SvgFigure f) : ILensCanvas
    {
        public void Rect(double x, double y, double w, double h, (byte R, byte G, byte B) fill, string? tooltip = null) =>
            f.Rect(x, y, w, h, Hex(fill), tooltip);

        public void Text(double x, double y, string text, string anchor, double size, (byte R, byte G, byte B) colour, bool bold = false, double rotate = 0) =>
            f.Text(x, y, text, anchor, size, bold ? "bold" : null, Hex(colour), rotate == 0 ? null : rotate);

        // the report's tests and readers find the cells by class and read what each shows from its data attributes
        public void Cell(LensCellBox b) =>
            f.Rect(b.X, b.Y, b.Width, b.Height, Hex(b.Fill), b.Tooltip, stroke: b.Outline is { } o ? Hex(o) : null, strokeWidth: b.OutlineWidth,
                cssClass: "lens-cell",
                extra: $"data-layer=\"{SvgFigure.E(b.Layer)}\" data-col=\"{b.Column}\" data-top1=\"{SvgFigure.E(b.Top1)}\" " +
                       $"data-p=\"{b.Probability.ToString("R", CultureInfo.InvariantCulture)}\"");

        private static string Hex((byte R, byte G, byte B) c) => $"#{c.R:x2}{c.G:x2}{c.B:x2}";
    }

    /// <summary>The y-axis label: a short grid has no room beside it for the long one.</summary>
    private static string YLabel(double gridHeight) => gridHeight >= 170 ? "layer of the decoded state" : "layer";

    /// <summary>Tokens with their white space made visible (a leading space matters in BPE).</summary>
    public static string Show(string token) => token.Replace("\n", "\\n").Replace("\t", "\\t").Replace(' ', '·');

    private static string Clip(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "…";
}
