using Relens.Lens;
using Relens.Reporting.Charts;
using SkiaSharp;

namespace Relens.Cli.Output;

/// <summary>
/// The attribute-lens heat map as a PNG (SkiaSharp), with the report's layout (<see cref="LensHeatMap"/>). If Skia's
/// native library cannot be loaded on this machine, the same figure is written as SVG beside the requested path.
/// </summary>
public static class LensImage
{
    private const int MaxRows = 30;

    /// <summary>Writes the image; returns the file written and whether it is the SVG fallback.</summary>
    public static (string Path, bool Svg) Write(LensResult lens, string title, string subtitle, string? expected, string path, int maxColumns = 40)
    {
        path = System.IO.Path.GetFullPath(path);
        // the command checked before the lens that the folder can be made and written (OutputFolderCheck)
        if (System.IO.Path.GetDirectoryName(path) is { } dir) Directory.CreateDirectory(dir);
        return SkiaFigure.Write(path, () => Png(lens, title, subtitle, expected, maxColumns),
            () => LensHeatMap.Render(lens, title, subtitle, expected, maxColumns, MaxRows));
    }

    public static byte[] Png(LensResult lens, string title, string subtitle, string? expected, int maxColumns)
    {
        var (w, h) = LensHeatMap.Size(lens, maxColumns, MaxRows);
        return SkiaFigure.Png(w, h, (canvas, paint, typeface, bold) =>
            LensHeatMap.Draw(lens, title, subtitle, expected, new SkiaCanvas(canvas, paint, typeface, bold), maxColumns, MaxRows));
    }

    private sealed class SkiaCanvas(SKCanvas canvas, SKPaint paint, SKTypeface regular, SKTypeface bold) : ILensCanvas
    {
        public void Rect(double x, double y, double w, double h, (byte R, byte G, byte B) fill, string? tooltip = null)
        {
            paint.Color = new SKColor(fill.R, fill.G, fill.B);
            paint.Style = SKPaintStyle.Fill;
            canvas.DrawRect((float)x, (float)y, (float)w, (float)h, paint);
        }

        // the SVG's stroke is centred on the cell's edge: the same rectangle stroked here
        public void Cell(LensCellBox b)
        {
            Rect(b.X, b.Y, b.Width, b.Height, b.Fill);
            if (b.Outline is not { } o) return;
            paint.Color = new SKColor(o.R, o.G, o.B);
            paint.Style = SKPaintStyle.Stroke;
            paint.StrokeWidth = (float)b.OutlineWidth;
            canvas.DrawRect((float)b.X, (float)b.Y, (float)b.Width, (float)b.Height, paint);
        }

        public void Text(double x, double y, string text, string anchor, double size, (byte R, byte G, byte B) colour, bool isBold = false, double rotate = 0)
        {
            SkiaFigure.Text(canvas, paint, isBold ? bold : regular, x, y, text, anchor, size, new SKColor(colour.R, colour.G, colour.B), rotate);
        }
    }
}
