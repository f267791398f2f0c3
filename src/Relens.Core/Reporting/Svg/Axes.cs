using System.Globalization;

namespace Relens.Reporting.Svg;

/// <summary>Maps a data interval onto a pixel interval (either may be reversed, as y axes are).</summary>
public readonly record struct LinearScale(double D0, double D1, double P0, double P1)
{
    public double this[double v] => P0 + (v - D0) / (D1 - D0) * (P1 - P0);
}

public enum LegendMark { Box, Tick, Dash, Dot, Line }

/// <summary>Axes, grids, labels and legends, drawn the same way in every figure.</summary>
public static class Axes
{
    public static readonly double[] UnitTicks = [0, 0.2, 0.4, 0.6, 0.8, 1.0];

    /// <summary>A vertical value axis at <paramref name="x"/> with grid lines to <paramref name="xRight"/>.</summary>
    public static void Y(SvgFigure f, LinearScale y, double x, double xRight, IEnumerable<double> ticks, string label, double fontSize = 11)
    {
        foreach (var t in ticks)
        {
            f.Line(x, y[t], xRight, y[t], Palette.Grid);
            f.Text(x - 4, y[t] + fontSize * 0.35, Tick(t), "end", fontSize - 1, fill: Palette.Axis);
        }
        f.Line(x, y.P0, x, y.P1, Palette.Axis);
        double mid = (y.P0 + y.P1) / 2;
        f.Text(x - 30, mid, label, "middle", fontSize, rotate: -90, fill: Palette.Axis);
    }

    /// <summary>A horizontal value axis at <paramref name="y"/> with grid lines up to <paramref name="yTop"/>.</summary>
    public static void X(SvgFigure f, LinearScale x, double y, double yTop, IEnumerable<double> ticks, string label, double fontSize = 11)
    {
        foreach (var t in ticks)
        {
            f.Line(x[t], yTop, x[t], y, Palette.Grid);
            f.Text(x[t], y + fontSize + 3, Tick(t), "middle", fontSize - 1, fill: Palette.Axis);
        }
        f.Line(x.P0, y, x.P1, y, Palette.Axis);
        f.Text((x.P0 + x.P1) / 2, y + 2 * fontSize + 10, label, "middle", fontSize, fill: Palette.Axis);
    }

    public const double LegendLineHeight = 17;

    /// <summary>A legend starting at (x, y), wrapped to lines of at most <paramref name="maxWidth"/>; returns the y of its last line.</summary>
    public static double Legend(SvgFigure f, double x, double y, IEnumerable<(string Label, string Color, LegendMark Mark)> entries,
        double maxWidth = double.PositiveInfinity, double fontSize = 11)
    {
        f.Group("legend");
        double x0 = x;
        foreach (var (label, color, mark) in entries)
        {
            double width = EntryWidth(label, fontSize);
            if (x > x0 && x - x0 + width > maxWidth) { x = x0; y += LegendLineHeight; }
            switch (mark)
            {
                case LegendMark.Box: f.Rect(x, y - 9, 12, 10, color); break;
                case LegendMark.Tick: f.Line(x + 6, y - 11, x + 6, y + 2, color, 2.5); break;
                case LegendMark.Dash: f.Line(x, y - 4, x + 14, y - 4, color, 1.5, "4 3"); break;
                case LegendMark.Dot: f.Circle(x + 6, y - 4, 4, color); break;
                case LegendMark.Line: f.Line(x, y - 4, x + 14, y - 4, color, 2); break;
            }
            f.Text(x + 18, y, label, size: fontSize);
            x += width;
        }
        f.EndGroup();
        return y;
    }

    /// <summary>Lines <see cref="Legend"/> will take.</summary>
    public static int LegendLines(IEnumerable<string> labels, double maxWidth, double fontSize = 11)
    {
        int lines = 1;
        double used = 0;
        foreach (var label in labels)
        {
            double width = EntryWidth(label, fontSize);
            if (used > 0 && used + width > maxWidth) { lines++; used = 0; }
            used += width;
        }
        return lines;
    }

    private static double EntryWidth(string label, double fontSize) => 18 + TextWidth(label, fontSize) + 12;

    /// <summary>Rough width of sans-serif text, for layout without a font engine.</summary>
    public static double TextWidth(string text, double fontSize) => text.Length * fontSize * 0.56;

    public static string Tick(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

    /// <summary>Two decimals, the precision the paper reports.</summary>
    public static string Value(double v) => v.ToString("0.00", CultureInfo.InvariantCulture);
}
