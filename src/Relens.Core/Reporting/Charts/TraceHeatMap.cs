using System.Globalization;
using Relens.Reporting.Svg;
using Relens.Tracing;

namespace Relens.Reporting.Charts;

/// <summary>A trace as a grid to draw: rows (tokens, roles or knockout modes) × layers, with its colour scale.</summary>
/// <param name="Diverging">Knockout maps: a relative change, blue below 0, red above, white at 0.</param>
public sealed record TraceMap(string Title, string Subtitle, string[] RowLabels, bool[] Marked, double?[][] Values, double Min, double Max,
    TraceKind Kind, string ValueLabel, bool Diverging = false)
{
    public int Columns => Values.Length == 0 ? 0 : Values[0].Length;

    public static TraceMap Of(AveragedTrace a, string relation, string model) => new(
        $"{relation}: {Describe(a.Kind, a.Window)}",
        $"{model}; mean over {a.Prompts} known facts; clean p = {F(a.Clean)}, corrupted p = {F(a.Corrupted)}",
        TokenRoles.Names, [true, true, true, false, false, false], a.Scores, Math.Min(a.Corrupted, a.Clean), a.Clean, a.Kind, "p(answer)");

    public static TraceMap Of(StateTrace t, string model) => new(
        $"{Describe(t.Kind, t.Window)}: answer “{Show(t.Answer.Answer)}”",
        $"{model}; clean p = {F(t.Answer.Probability)}, corrupted p = {F(t.Corrupted)}; * = subject token",
        t.Tokens.Select(Show).ToArray(), t.Tokens.Select((_, i) => i >= t.SubjectFirst && i <= t.SubjectLast).ToArray(),
        t.Scores.Select(r => r.Select(v => (double?)v).ToArray()).ToArray(), Math.Min(t.Corrupted, t.Answer.Probability), t.Answer.Probability, t.Kind, "p(answer)");

    public static TraceMap Of(AveragedKnockout k, string relation, string model) => Knockout(
        $"{relation}: attention knockout (last → subject)", $"{model}; mean over {k.Prompts} known facts; clean p = {F(k.Clean)}", k.WindowChange, k.FromLayerChange, k.WindowSize);

    public static TraceMap Of(KnockoutTrace k, string model) => Knockout(
        $"attention knockout (last → subject): answer “{Show(k.Answer.Answer)}”", $"{model}; clean p = {F(k.Answer.Probability)}", k.WindowChange, k.FromLayerChange, k.WindowSize);

    private static TraceMap Knockout(string title, string subtitle, double[] window, double[] from, int size) => new(title, subtitle,
        [$"window of {size} around layer", "from layer on"], [false, false],
        [window.Select(v => (double?)v).ToArray(), from.Select(v => (double?)v).ToArray()], -1, 1, TraceKind.Knockout, "relative change of p(answer)", Diverging: true);

    private static string Describe(TraceKind kind, int window) => kind switch
    {
        TraceKind.State => "restoring one hidden state",
        TraceKind.Mlp => window == 1 ? "restoring one MLP output" : $"restoring MLP outputs ({window} layers)",
        TraceKind.Attn => window == 1 ? "restoring one attention output" : $"restoring attention outputs ({window} layers)",
        _ => "attention knockout",
    };

    internal static string F(double x) => double.IsFinite(x) ? x.ToString("0.###", CultureInfo.InvariantCulture) : "–";
    internal static string Show(string token) => token.Replace("\n", "\\n").Replace("\t", "\\t");
}

/// <summary>Where a heat map is drawn: SVG for the report, SkiaSharp for PNG files; both use one layout.</summary>
public interface IHeatCanvas
{
    void Rect(double x, double y, double w, double h, (byte R, byte G, byte B) fill, string? tooltip = null);
    void Text(double x, double y, string text, string anchor, double size, (byte R, byte G, byte B) colour, bool bold = false, double rotate = 0);
}

/// <summary>The one layout of trace heat maps (ROME's: tokens down, layers across; purple state, green MLP, red attention).</summary>
public static class TraceHeatMap
{
    private const double CellW = 30, CellH = 20, Left = 190, Top = 66, Bottom = 56, Legend = 100;

    public static (double Width, double Height) Size(TraceMap m) =>
        (Math.Max(560, Left + m.Columns * CellW + Legend), Top + m.RowLabels.Length * CellH + Bottom);

    public static void Draw(TraceMap m, IHeatCanvas c)
    {
        var ink = ((byte)0x22, (byte)0x22, (byte)0x22);
        var grey = ((byte)0x44, (byte)0x44, (byte)0x44);
        c.Text(10, 20, m.Title, "start", 14, ink, bold: true);
        c.Text(10, 40, m.Subtitle, "start", 11, grey);
        for (int r = 0; r < m.RowLabels.Length; r++)
        {
            double y = Top + r * CellH;
            c.Text(Left - 6, y + 14, Clip(m.RowLabels[r], 26) + (m.Marked[r] ? "*" : ""), "end", 10, grey, bold: m.Marked[r]);
            for (int l = 0; l < m.Columns; l++)
            {
                var v = m.Values[r][l];
                c.Rect(Left + l * CellW, y, CellW - 1, CellH - 1, v is { } x ? Colour(m, x) : ((byte)0xf4, (byte)0xf4, (byte)0xf4),
                    $"{m.RowLabels[r]}, layer {l}: {(v is { } s ? TraceMap.F(s) : "no such token")}");
            }
        }
        double bottom = Top + m.RowLabels.Length * CellH;
        for (int l = 0; l < m.Columns; l++)
            if (m.Columns <= 16 || l % 5 == 0) c.Text(Left + l * CellW + CellW / 2, bottom + 14, l.ToString(CultureInfo.InvariantCulture), "middle", 10, grey);
        c.Text(Left + m.Columns * CellW / 2, bottom + 34, m.Kind == TraceKind.Knockout ? "layer ℓ" : "layer (output of block ℓ)", "middle", 11, grey);
        double barX = Left + m.Columns * CellW + 20, barH = Math.Max(80, m.RowLabels.Length * CellH);
        for (int i = 0; i < 20; i++)
        {
            double t = (i + 0.5) / 20;
            c.Rect(barX, Top + barH - (i + 1) * barH / 20, 14, barH / 20 + 0.5, Colour(m, m.Min + t * (m.Max - m.Min)));
        }
        c.Text(barX + 18, Top + barH + 4, TraceMap.F(m.Min), "start", 9, grey);
        c.Text(barX + 18, Top + 8, TraceMap.F(m.Max), "start", 9, grey);
        c.Text(barX + 60, Top + barH / 2, m.ValueLabel, "middle", 10, grey, rotate: 90);
    }

    /// <summary>White at <see cref="TraceMap.Min"/> to the kind's colour at Max (diverging maps: blue, white at 0, red).</summary>
    public static (byte R, byte G, byte B) Colour(TraceMap m, double v)
    {
        if (m.Diverging)
        {
            double t = Math.Clamp(v, -1, 1);
            return t < 0 ? Mix((255, 255, 255), (0x21, 0x66, 0xac), -t) : Mix((255, 255, 255), (0xb2, 0x18, 0x2b), t);
        }
        double u = m.Max > m.Min ? Math.Clamp((v - m.Min) / (m.Max - m.Min), 0, 1) : 0;
        (byte, byte, byte) end = m.Kind switch { TraceKind.Mlp => (0x00, 0x6d, 0x2c), TraceKind.Attn => (0xa5, 0x0f, 0x15), _ => (0x54, 0x27, 0x8f) };
        return Mix((255, 255, 255), end, u);
    }

    public static string Svg(TraceMap m)
    {
        var (w, h) = Size(m);
        var f = new SvgFigure(w, h, m.Title, "trace");
        Draw(m, new SvgCanvas(f));
        return f.ToString();
    }

    private sealed class SvgCanvas(SvgFigure f) : IHeatCanvas
    {
        public void Rect(double x, double y, double w, double h, (byte R, byte G, byte B) fill, string? tooltip = null) =>
            f.Rect(x, y, w, h, Hex(fill), tooltip);
        public void Text(double x, double y, string text, string anchor, double size, (byte R, byte G, byte B) colour, bool bold = false, double rotate = 0) =>
            f.Text(x, y, text, anchor, size, bold ? "bold" : null, Hex(colour), rotate == 0 ? null : rotate);
    }

    private static string Hex((byte R, byte G, byte B) c) => $"#{c.R:x2}{c.G:x2}{c.B:x2}";
    private static (byte, byte, byte) Mix((byte R, byte G, byte B) a, (byte R, byte G, byte B) b, double t) =>
        ((byte)Math.Round(a.R + (b.R - a.R) * t), (byte)Math.Round(a.G + (b.G - a.G) * t), (byte)Math.Round(a.B + (b.B - a.B) * t));
    private static string Clip(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "…";
}
